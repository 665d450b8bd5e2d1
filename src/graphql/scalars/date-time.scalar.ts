import { GraphQLScalarType, Kind } from "graphql";
import { InvalidInputError } from "../../domain/index.js";
import { describe } from "./unsigned-input.js";

/** Full ISO-8601 date-time with an explicit offset; anything Date.parse would guess at is refused. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function parseDateTimeInput(value: unknown): Date {
  const d = typeof value === "string" && ISO.test(value) ? new Date(value) : null;
  if (!d || Number.isNaN(d.getTime())) {
    throw new InvalidInputError(`DateTime must be an ISO-8601 timestamp with offset, e.g. "2026-11-25T12:00:00Z", got ${describe(value)}`);
  }
  return d;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: "DateTime",
  description: "ISO-8601 timestamp, UTC, millisecond precision (e.g. 2026-11-25T12:00:00.000Z).",
  serialize(value) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`DateTime cannot represent ${String(value)}`);
    return value.toISOString();
  },
  parseValue: parseDateTimeInput,
  parseLiteral: (ast) => parseDateTimeInput(ast.kind === Kind.STRING ? ast.value : `<${ast.kind}>`),
});
