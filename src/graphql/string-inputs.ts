/**
 * Limits on String inputs, checked once per operation before anything runs (HTTP: the operation
 * guard plugin; graphql-ws: onSubscribe), for literals and variables alike: no NUL character
 * (PostgreSQL text cannot hold one) and at most a documented number of characters (Unicode code
 * points). A violation is BAD_USER_INPUT naming the argument. Linear in the document: every
 * argument literal is read once, every variable's value once.
 */
import {
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  typeFromAST,
  TypeInfo,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from "graphql";
import { InvalidInputError } from "../domain/index.js";

/** Characters allowed per argument or input field name; any other String input gets the default. */
const STRING_LIMITS: Readonly<Record<string, number>> = {
  /** cancelEpoch's free text, stored with the transition. */
  reason: 1000,
  /** Cursors are ~60 characters; cursors.ts refuses anything longer than this too. */
  after: 200,
};
const DEFAULT_STRING_LIMIT = 1000;

export function checkStringInputs(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): void {
  stringInputChecker(schema, document, operation)(variables);
}

/**
 * The same check in two steps: the document's literals now (throws on a bad one), its variables'
 * values per request by the returned function — so a caller may keep it per parsed document.
 */
export function stringInputChecker(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): (variables: Readonly<Record<string, unknown>> | null | undefined) => void {
  const holdsString = stringHolder();
  // Where each variable is first used as (part of) an argument: its values are reported under that name.
  const usedAs = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const arg = typeInfo.getArgument();
        if (arg && holdsString(arg.type)) checkLiteral(arg.type, node.value, arg.name, usedAs);
        return false;
      },
    }),
  );
  const stringVariables: { name: string; type: GraphQLInputType; defaultValue: unknown }[] = [];
  for (const def of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, def.type) as GraphQLInputType | undefined;
    if (!type || !holdsString(type)) continue;
    stringVariables.push({ name: def.variable.name.value, type, defaultValue: def.defaultValue ? valueFromASTUntyped(def.defaultValue) : undefined });
  }
  return (variables) => {
    for (const { name, type, defaultValue } of stringVariables) {
      const given = variables && Object.hasOwn(variables, name);
      checkValue(type, given ? variables[name] : defaultValue, usedAs.get(name) ?? `$${name}`);
    }
  };
}

/** Walks a literal; variables inside it are only noted (their values are checked once, later). */
function checkLiteral(type: GraphQLInputType, node: ValueNode, path: string, usedAs: Map<string, string>): void {
  const t = isNonNullType(type) ? type.ofType : type;
  if (node.kind === Kind.VARIABLE) {
    if (!usedAs.has(node.name.value)) usedAs.set(node.name.value, path);
  } else if (isListType(t)) {
    for (const item of node.kind === Kind.LIST ? node.values : [node]) checkLiteral(t.ofType, item, path, usedAs);
  } else if (isInputObjectType(t)) {
    if (node.kind !== Kind.OBJECT) return;
    const fields = t.getFields();
    for (const f of node.fields) {
      const def = fields[f.name.value];
      if (def) checkLiteral(def.type, f.value, `${path}.${def.name}`, usedAs);
    }
  } else if (t.name === "String" && node.kind === Kind.STRING) {
    checkString(node.value, path);
  }
}

function checkValue(type: GraphQLInputType, value: unknown, path: string): void {
  const t = isNonNullType(type) ? type.ofType : type;
  if (isListType(t)) {
    for (const item of Array.isArray(value) ? value : [value]) checkValue(t.ofType, item, path);
  } else if (isInputObjectType(t)) {
    if (typeof value !== "object" || value === null) return;
    for (const f of Object.values(t.getFields())) {
      if (Object.hasOwn(value, f.name)) checkValue(f.type, (value as Record<string, unknown>)[f.name], `${path}.${f.name}`);
    }
  } else if (t.name === "String" && typeof value === "string") {
    checkString(value, path);
  }
}

function checkString(value: string, path: string): void {
  const name = path.slice(path.lastIndexOf(".") + 1);
  const limit = STRING_LIMITS[name] ?? DEFAULT_STRING_LIMIT;
  // Two UTF-16 units per code point at most: only strings near the limit need counting.
  if (value.length > limit && (value.length > 2 * limit || [...value].length > limit)) {
    throw new InvalidInputError(`${path} must be at most ${limit} characters`, path);
  }
  if (value.includes("\u0000")) throw new InvalidInputError(`${path} must not contain NUL characters (U+0000)`, path);
}

/** Whether a type can carry a String anywhere inside it (memoized: input types can be recursive). */
function stringHolder(): (type: GraphQLInputType) => boolean {
  const memo = new Map<GraphQLNamedType, boolean>();
  const holds = (type: GraphQLInputType): boolean => {
    const named = getNamedType(type);
    const known = memo.get(named);
    if (known !== undefined) return known;
    memo.set(named, false);
    const result = named.name === "String" || (isInputObjectType(named) && Object.values(named.getFields()).some((f) => holds(f.type)));
    memo.set(named, result);
    return result;
  };
  return holds;
}
