/**
 * Names the argument a bad input value was given for. graphql-js reports a scalar's parse failure
 * against the value node ("Expected value of type …") or the variable ("Variable "$x" got invalid
 * value …"), neither of which says which argument of which field it was; clients need that.
 */
import { Kind, parse, visit, type ASTNode, type GraphQLError } from "graphql";

/** e.g. `argument "where.topicId" of field "epochs"`, or null when it cannot be told. */
export function describeInputLocation(error: GraphQLError): string | null {
  const node = error.nodes?.[0];
  const body = error.source?.body;
  if (!node?.loc || !body) return null;
  let doc;
  try {
    doc = parse(body);
  } catch {
    return null;
  }
  if (node.kind === Kind.VARIABLE_DEFINITION) {
    const name = node.variable.name.value;
    const inner = /got invalid value .* at "([^"]+)"; /.exec(error.message)?.[1];
    const uses: string[] = [];
    visit(doc, {
      Variable(v, _key, parent, _path, ancestors) {
        if (v.name.value !== name) return;
        const where = argumentPath([...ancestors, parent as ASTNode]);
        if (where) uses.push(where);
      },
    });
    const at = inner ? ` at "${inner}"` : "";
    return uses.length ? `variable "$${name}"${at} (${[...new Set(uses)].join(", ")})` : `variable "$${name}"${at}`;
  }
  let found: string | null = null;
  visit(doc, {
    enter(n, _key, parent, _path, ancestors) {
      if (found === null && n.kind === node.kind && n.loc?.start === node.loc!.start) found = argumentPath([...ancestors, parent as ASTNode, n]);
    },
  });
  return found;
}

/** `ancestors` as graphql's visitor gives them (nodes and arrays), then the parent and the node. */
function argumentPath(ancestors: ReadonlyArray<ASTNode | ReadonlyArray<ASTNode> | undefined>): string | null {
  const nodes = ancestors.filter((a): a is ASTNode => a !== undefined && !Array.isArray(a) && "kind" in (a as object));
  const argIndex = nodes.findIndex((n) => n.kind === Kind.ARGUMENT);
  if (argIndex < 0) return null;
  const arg = nodes[argIndex]!;
  const field = [...nodes.slice(0, argIndex)].reverse().find((n) => n.kind === Kind.FIELD);
  const names = [arg, ...nodes.slice(argIndex + 1)]
    .filter((n) => n.kind === Kind.ARGUMENT || n.kind === Kind.OBJECT_FIELD)
    .map((n) => (n as { name: { value: string } }).name.value);
  const fieldName = field && field.kind === Kind.FIELD ? ` of field "${field.name.value}"` : "";
  return `argument "${names.join(".")}"${fieldName}`;
}
