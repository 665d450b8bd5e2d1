/**
 * A number written as a float — a GraphQL Float literal (`1.0`, `2e0`) or a JSON number with a
 * fraction or exponent — kept apart from integers although its value may be whole: integer-valued
 * scalars (Uint64, NonceV2; graphql's Int too) refuse it, as the API contract says.
 *
 * JSON variables lose that distinction in JSON.parse; `jsonNumberReviver` recovers it from the
 * number's source text (JSON.parse source access, Node.js 21 and later; on older runtimes it
 * changes nothing). Non-integer values stay numbers: every integer scalar already refuses those.
 */
export class FloatInput {
  constructor(readonly source: string) {}
  /** graphql-js prints input values through toJSON in its messages. */
  toJSON(): string {
    return this.source;
  }
}

const FLOAT_SYNTAX = /[.eE]/;

export function jsonNumberReviver(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === "number" && Number.isInteger(value) && context?.source && FLOAT_SYNTAX.test(context.source)) return new FloatInput(context.source);
  return value;
}
