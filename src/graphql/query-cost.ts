/**
 * A pagination-aware cost: the number of objects an operation may load, GitHub-style. Every object
 * field counts once per parent row; a connection field multiplies what is below it by its page
 * size (`first`: literal, variable or default, at most the server's cap). Needs variable values,
 * so it runs once the operation is resolved, not as a validation rule.
 *
 * Linear in the document: the cost of a selection is proportional to the rows it runs for, so each
 * fragment is costed once for one row and every spread multiplies that (a walker re-entering the
 * fragment at each spread does work in the product of the spread counts). With a limit, the walk
 * stops as soon as the cost certainly exceeds it.
 */
import {
  getNamedType,
  isCompositeType,
  isObjectType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { MAX_PAGE_SIZE } from "./pagination.js";

export interface CostOptions {
  /** Stop as soon as the cost exceeds this; the result is then some value above it. */
  readonly limit?: number;
}

/** Thrown inside the walk to stop it; never escapes operationCost. */
class Exceeded {
  constructor(readonly cost: number) {}
}

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  options: CostOptions = {},
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const limit = options.limit ?? Infinity;

  const int = schema.getType("Int") as GraphQLInputType;
  const pageOf = (arg: { value: ValueNode } | undefined, fallback: unknown): number => {
    const value = arg ? valueFromAST(arg.value, int, variables as Record<string, unknown> | undefined) : fallback;
    // Anything odd (missing, negative, not an int) fails later; until then assume the worst.
    return typeof value === "number" && Number.isInteger(value) && value >= 0 ? Math.min(value, MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
  };

  /** Cost of one fragment for one row; a fragment being costed (a cycle, refused by validation) counts 0. */
  const perRow = new Map<string, number>();
  const fragmentCost = (f: FragmentDefinitionNode, rows: number): number => {
    const name = f.name.value;
    const known = perRow.get(name);
    if (known !== undefined) return known;
    const t = schema.getType(f.typeCondition.name.value);
    perRow.set(name, 0);
    const cost = t && isCompositeType(t) ? walk(f.selectionSet, t, rows) : 0;
    perRow.set(name, cost);
    return cost;
  };

  /**
   * Cost of `set` for one row of `type`. `rows` (how many rows the path above may load) serves only
   * to stop early: the whole operation costs at least `rows` times any part of this set.
   */
  const walk = (set: SelectionSetNode, type: GraphQLCompositeType, rows: number): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        if (t && isCompositeType(t)) cost += walk(sel.selectionSet, t, rows);
      } else if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(sel.name.value);
        if (f) cost += fragmentCost(f, rows);
      } else if (sel.selectionSet && isObjectType(type)) {
        const field = type.getFields()[sel.name.value];
        const child = field && getNamedType(field.type);
        if (!field || !child || !isCompositeType(child)) continue;
        const firstDef = field.args.find((a) => a.name === "first");
        const page = firstDef ? pageOf(sel.arguments?.find((a) => a.name.value === "first"), firstDef.defaultValue) : 1;
        cost += 1 + page * walk(sel.selectionSet, child, rows * page);
      }
      if (cost * rows > limit) throw new Exceeded(cost * rows);
    }
    return cost;
  };
  try {
    return walk(operation.selectionSet, root, 1);
  } catch (e) {
    if (e instanceof Exceeded) return e.cost;
    throw e;
  }
}
