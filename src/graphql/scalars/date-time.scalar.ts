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

/**
 * Recently serialized instants. A page of 50 epochs formats 100+ of them, and the hot pages repeat
 * the same ones request after request: toISOString was the largest frame of our own code in the
 * profile (bench/RESULTS.md). Bounded: emptied when full.
 */
const ISO_OF = new Map<number, string>();
const ISO_CACHE_SIZE = 8192;

function isoString(ms: number): string {
  let iso = ISO_OF.get(ms);
  if (iso === undefined) {
    if (ISO_OF.size >= ISO_CACHE_SIZE) ISO_OF.clear();
    iso = new Date(ms).toISOString();
    ISO_OF.set(ms, iso);
  }
  return iso;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: "DateTime",
  description: "ISO-8601 timestamp, UTC, millisecond precision (e.g. 2026-11-25T12:00:00.000Z).",
  serialize(value) {
    const ms = value instanceof Date ? value.getTime() : NaN;
    if (Number.isNaN(ms)) throw new TypeError(`DateTime cannot represent ${String(value)}`);
    return isoString(ms);
  },
  parseValue: parseDateTimeInput,
  parseLiteral: (ast) => parseDateTimeInput(ast.kind === Kind.STRING ? ast.value : `<${ast.kind}>`),
});
