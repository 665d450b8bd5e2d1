import { InvalidUint64Error } from "./errors.js";

/** Unsigned 64-bit integers are carried as bigint everywhere: a JS number loses precision past 2^53. */
export type Uint64 = bigint;

export const UINT64_MAX: Uint64 = (1n << 64n) - 1n;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Parse a canonical decimal string (no sign, no leading zeros, no spaces) or check a bigint. */
export function parseUint64(input: string | bigint, field = "value"): Uint64 {
  let value: bigint;
  if (typeof input === "bigint") {
    value = input;
  } else {
    if (!DECIMAL.test(input) || input.length > 20) {
      throw new InvalidUint64Error(`${field} must be an unsigned 64-bit integer as a decimal string, got ${JSON.stringify(clip(input))}`, field);
    }
    value = BigInt(input);
  }
  if (value < 0n || value > UINT64_MAX) {
    throw new InvalidUint64Error(`${field} must be between 0 and ${UINT64_MAX}, got ${clip(String(value))}`, field);
  }
  return value;
}

export function formatUint64(value: Uint64): string {
  return value.toString(10);
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
