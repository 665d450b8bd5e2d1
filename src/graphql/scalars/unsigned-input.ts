/**
 * Strict reading of uint64-valued scalar inputs. A value is a canonical decimal string (no sign,
 * spaces, leading zeros, hex or exponent) or a JSON/GraphQL integer that a JS number holds exactly
 * (≤ 2^53 − 1): a bigger JSON number has already lost digits by the time it reaches us.
 */
import { Kind, type ValueNode } from "graphql";
import { InvalidUint64Error, UINT64_MAX } from "../../domain/index.js";
import { FloatInput } from "./float-input.js";

const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return typeof value;
}

/** A decimal string or a safe non-negative integer, as bigint; `what` names the scalar in messages. */
export function readUnsigned(value: unknown, what: string, hint: string): bigint {
  if (value instanceof FloatInput) throw new InvalidUint64Error(`${what} must be an integer, got the float ${value.source.slice(0, 40)}`);
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw new InvalidUint64Error(`${what} must be a non-negative integer, got ${describe(value)}`);
    if (!Number.isSafeInteger(value)) {
      throw new InvalidUint64Error(`${what} ${describe(value)} is beyond 2^53 − 1 and cannot be carried exactly as a number; pass it as a decimal string`);
    }
    return BigInt(value);
  }
  if (typeof value !== "string") throw new InvalidUint64Error(`${what} must be ${hint}, got ${describe(value)}`);
  if (!DECIMAL.test(value) || value.length > 20) throw new InvalidUint64Error(`${what} must be ${hint}, got ${describe(value)}`);
  const n = BigInt(value);
  if (n > UINT64_MAX) throw new InvalidUint64Error(`${what} must be at most ${UINT64_MAX}, got ${describe(value)}`);
  return n;
}

/** The JS value of a literal, for the checks above: Int literals become numbers (as JSON would), Float literals stay floats. */
export function literalValue(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
      return ast.value;
    case Kind.INT:
      return Number(ast.value);
    case Kind.FLOAT:
      return new FloatInput(ast.value);
    default:
      return ast.kind === Kind.NULL ? null : `<${ast.kind}>`;
  }
}
