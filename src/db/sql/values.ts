/** Parameter values in the encodings the statements cast from (see statement.ts). */
import { fromStored, toStored } from "../uint64-column.js";

/** A uint64 (topic id, nonce) as its stored bigint's decimal text, for `$n::bigint`. */
export function storedText(value: bigint): string {
  return String(toStored(value));
}

const [MIN_AT, MAX_AT] = [Date.parse("0001-01-01T00:00:00Z"), Date.parse("9999-12-31T23:59:59.999Z")];

/**
 * A bound (a filter's or a cursor's instant) as ISO text, for `$n::timestamptz`, clamped to years 1–9999: PostgreSQL refuses year
 * 0 and six-digit years that a DateTime with an offset can reach, and no epoch lies outside.
 */
export function boundText(at: number): string {
  return new Date(Math.min(Math.max(at, MIN_AT), MAX_AT)).toISOString();
}

/** An instant written to a column, for `$n::timestamptz` (null stays null). */
export function writtenInstant(at: number | Date | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}

/** A stored uint64 read back (int8 as text from pg, bigint from Prisma). */
export function uint64Of(stored: string | bigint): bigint {
  return fromStored(BigInt(stored));
}
