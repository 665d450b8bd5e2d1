/**
 * A pagination-aware cost: the number of objects an operation may load, GitHub-style. Every object
 * field counts once per parent row; a connection field multiplies what is below it by its page
 * size (`first`: literal, variable or default, at most the server's cap). Needs variable values,
 * so it runs once the operation is resolved, not as a validation rule.
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

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const int = schema.getType("Int") as GraphQLInputType;
  const pageOf = (arg: { value: ValueNode } | undefined, fallback: unknown): number => {
    const value = arg ? valueFromAST(arg.value, int, variables as Record<string, unknown> | undefined) : fallback;
    // Anything odd (missing, negative, not an int) fails later; until then assume the worst.
    return typeof value === "number" && Number.isInteger(value) && value >= 0 ? Math.min(value, MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
  };

  const walk = (set: SelectionSetNode, type: GraphQLCompositeType, rows: number, seen: ReadonlySet<string>): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        if (t && isCompositeType(t)) cost += walk(sel.selectionSet, t, rows, seen);
      } else if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(sel.name.value);
        const t = f && schema.getType(f.typeCondition.name.value);
        if (f && t && isCompositeType(t) && !seen.has(f.name.value)) cost += walk(f.selectionSet, t, rows, new Set([...seen, f.name.value]));
      } else if (sel.selectionSet && isObjectType(type)) {
        const field = type.getFields()[sel.name.value];
        const child = field && getNamedType(field.type);
        if (!field || !child || !isCompositeType(child)) continue;
        const firstDef = field.args.find((a) => a.name === "first");
        const perRow = firstDef ? pageOf(sel.arguments?.find((a) => a.name.value === "first"), firstDef.defaultValue) : 1;
        cost += rows + walk(sel.selectionSet, child, rows * perRow, seen);
      }
    }
    return cost;
  };
  return walk(operation.selectionSet, root, 1, new Set());
}
