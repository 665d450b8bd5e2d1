import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  FIRST_NONCE,
  InvalidNonceError,
  NonceCounterExhaustedError,
  PAYLOAD_MAX,
  UINT64_MAX,
  formatNonce,
  makeNonce,
  nextNonce,
  noncePayload,
  nonceVersion,
  parseNonce,
} from "../../src/domain/index.js";

const uint64 = fc.bigInt({ min: 0n, max: UINT64_MAX });

describe("NonceV2", () => {
  it("packs the examples of the domain doc", () => {
    assert.equal(makeNonce(1, 1n), 72057594037927937n);
    assert.equal(formatNonce(makeNonce(1, 1n)), "72057594037927937");
    assert.equal(makeNonce(1, 19345n), 72057594037947281n);
    assert.equal(makeNonce(0, 5000n), 5000n);
    assert.equal(nonceVersion(UINT64_MAX), 255);
    assert.equal(noncePayload(UINT64_MAX), PAYLOAD_MAX);
    assert.equal(FIRST_NONCE, 0x0100000000000001n);
  });

  it("round-trips every uint64 through format/parse and version/payload", () => {
    fc.assert(
      fc.property(uint64, (n) => {
        assert.equal(parseNonce(formatNonce(n)), n);
        assert.equal(makeNonce(nonceVersion(n), noncePayload(n)), n);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips make(version, payload) over the whole range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.bigInt({ min: 0n, max: PAYLOAD_MAX }), (v, p) => {
        const n = makeNonce(v, p);
        assert.equal(nonceVersion(n), v);
        assert.equal(noncePayload(n), p);
        assert.ok(n >= 0n && n <= UINT64_MAX);
      }),
    );
  });

  it("treats any plain block height below 2^56 as a valid version-0 nonce", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: PAYLOAD_MAX }), (h) => {
        const n = parseNonce(h.toString());
        assert.equal(nonceVersion(n), 0);
        assert.equal(noncePayload(n), h);
      }),
    );
  });

  it("next is version 1 and payload + 1 of the previous nonce, whatever its version (as on the chain)", () => {
    assert.equal(nextNonce(null), FIRST_NONCE);
    assert.equal(nextNonce(5000n), makeNonce(1, 5001n)); // v0/5000 (legacy height) → v1/5001
    assert.equal(nextNonce(makeNonce(2, 7n)), makeNonce(1, 8n)); // v2/7 → v1/8
    assert.equal(nextNonce(makeNonce(255, 0n)), FIRST_NONCE);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.bigInt({ min: 0n, max: PAYLOAD_MAX - 1n }), (v, p) => {
        const next = nextNonce(makeNonce(v, p));
        assert.equal(nonceVersion(next), 1);
        assert.equal(noncePayload(next), p + 1n);
      }),
      { numRuns: 2000 },
    );
    // From a version-1 (or version-0) nonce the sequence is strictly increasing.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.bigInt({ min: 0n, max: PAYLOAD_MAX - 1n }), (v, p) => {
        const prev = makeNonce(v, p);
        assert.ok(nextNonce(prev) > prev);
      }),
    );
    let n: bigint | null = null;
    for (let i = 0; i < 1000; i++) {
      const next: bigint = nextNonce(n);
      assert.ok(n === null || next > n);
      n = next;
    }
  });

  it("a payload at 2^56 − 1 has no next, whatever the version: a typed error", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (v) => {
        assert.throws(() => nextNonce(makeNonce(v, PAYLOAD_MAX)), NonceCounterExhaustedError);
      }),
    );
    assert.throws(() => nextNonce(UINT64_MAX), (e: unknown) => e instanceof NonceCounterExhaustedError && e.code === "CONFLICT");
  });

  it("rejects malformed and out-of-range input with a typed error", () => {
    for (const bad of ["-1", "1.5", "0x10", "", " 7", "7 ", "+7", "01", "18446744073709551616", "1e3", "abc", "٣"]) {
      assert.throws(() => parseNonce(bad), InvalidNonceError, `accepted ${JSON.stringify(bad)}`);
    }
    assert.throws(() => parseNonce(-1n), InvalidNonceError);
    assert.throws(() => parseNonce(UINT64_MAX + 1n), InvalidNonceError);
    assert.throws(() => makeNonce(256, 0n), InvalidNonceError);
    assert.throws(() => makeNonce(1, PAYLOAD_MAX + 1n), InvalidNonceError);
    assert.throws(() => makeNonce(1.5, 0n), InvalidNonceError);
    assert.equal(parseNonce("18446744073709551615"), UINT64_MAX);
    assert.equal(parseNonce("0"), 0n);
  });
});
