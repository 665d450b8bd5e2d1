import { InvalidNonceError, NonceCounterExhaustedError } from "./errors.js";
import { UINT64_MAX } from "./uint64.js";

/**
 * NonceV2: a packed uint64. Bits 63–56 are the version, bits 55–0 the payload.
 * Version 0 is a legacy block height; version 1 a per-topic counter starting at 1.
 * Always bigint: a JS number cannot hold these values exactly.
 */
export type NonceV2 = bigint;

const PAYLOAD_BITS = 56n;
export const PAYLOAD_MAX = (1n << PAYLOAD_BITS) - 1n;
export const VERSION_MAX = 255;
const COUNTER_VERSION = 1;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function makeNonce(version: number, payload: bigint): NonceV2 {
  if (!Number.isInteger(version) || version < 0 || version > VERSION_MAX) {
    throw new InvalidNonceError(`nonce version must be an integer from 0 to ${VERSION_MAX}, got ${version}`);
  }
  if (payload < 0n || payload > PAYLOAD_MAX) {
    throw new InvalidNonceError(`nonce payload must be from 0 to ${PAYLOAD_MAX}, got ${payload}`);
  }
  return (BigInt(version) << PAYLOAD_BITS) | payload;
}

export function nonceVersion(nonce: NonceV2): number {
  return Number(nonce >> PAYLOAD_BITS);
}

export function noncePayload(nonce: NonceV2): bigint {
  return nonce & PAYLOAD_MAX;
}

/** Check a packed value: 0 ≤ n ≤ 2^64 − 1 (the payload is then ≤ 2^56 − 1 by construction). */
function validateNonce(nonce: bigint, field = "nonce"): NonceV2 {
  if (nonce < 0n || nonce > UINT64_MAX) {
    throw new InvalidNonceError(`${field} must be a packed uint64 from 0 to ${UINT64_MAX}, got ${nonce}`, field);
  }
  return nonce;
}

/** Parse the wire form (packed decimal string) or a bigint. */
export function parseNonce(input: string | bigint, field = "nonce"): NonceV2 {
  if (typeof input === "bigint") return validateNonce(input, field);
  if (!DECIMAL.test(input) || input.length > 20) {
    const shown = input.length > 40 ? `${input.slice(0, 40)}…` : input;
    throw new InvalidNonceError(`${field} must be a NonceV2 as a decimal uint64 string, got ${JSON.stringify(shown)}`, field);
  }
  return validateNonce(BigInt(input), field);
}

export function formatNonce(nonce: NonceV2): string {
  return nonce.toString(10);
}

/** The first nonce of a topic: version 1, payload 1. */
export const FIRST_NONCE: NonceV2 = makeNonce(COUNTER_VERSION, 1n);

/**
 * The nonce after `previous` (or the first one when there is none), as the chain computes it:
 * always version 1 with the previous payload + 1, whatever version the previous nonce had (after
 * v0/5000 comes v1/5001, after v2/7 comes v1/8). Throws NonceCounterExhaustedError when the
 * payload is already 2^56 − 1.
 */
export function nextNonce(previous: NonceV2 | null): NonceV2 {
  if (previous === null) return FIRST_NONCE;
  validateNonce(previous);
  const payload = noncePayload(previous) + 1n;
  if (payload > PAYLOAD_MAX) {
    throw new NonceCounterExhaustedError(`nonce counter exhausted: payload would exceed ${PAYLOAD_MAX}`);
  }
  return makeNonce(COUNTER_VERSION, payload);
}
