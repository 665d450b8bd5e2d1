/**
 * uint64 <-> stored bigint. Columns hold value − 2^63, which maps [0, 2^64 − 1] onto the whole
 * signed bigint range in the same order, so B-tree order, keyset comparisons and uniqueness all
 * work on the raw column. Every read and write of a topic id or nonce goes through these two.
 */
const OFFSET = 1n << 63n;

export function toStored(value: bigint): bigint {
  return value - OFFSET;
}

export function fromStored(stored: bigint): bigint {
  return stored + OFFSET;
}
