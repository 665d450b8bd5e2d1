import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ThrottledReading } from "../../src/observability/throttled-reading.js";

/** A reading over a pinned clock whose refreshes are counted and resolved by hand. */
function setup(intervalMs: number) {
  let clock = 1_000_000;
  let refreshes = 0;
  const pending: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const reading = new ThrottledReading(
    () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject })),
    { intervalMs, now: () => clock, onRefresh: () => refreshes++ },
  );
  return {
    reading,
    pending,
    refreshes: () => refreshes,
    advance: (ms: number) => (clock += ms),
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("ThrottledReading (database gauges at most once per interval)", () => {
  it("concurrent readers share one refresh", async () => {
    const t = setup(5000);
    const reads = Array.from({ length: 100 }, () => t.reading.get());
    await settle();
    assert.equal(t.refreshes(), 1);
    assert.equal(t.pending.length, 1);
    t.pending[0]!.resolve(7);
    assert.deepEqual(await Promise.all(reads), Array(100).fill(7));
  });

  it("serves the last value within the interval and refreshes once after it", async () => {
    const t = setup(5000);
    const first = t.reading.get();
    await settle();
    t.pending[0]!.resolve(1);
    assert.equal(await first, 1);
    for (let i = 0; i < 1000; i++) {
      t.advance(4);
      assert.equal(await t.reading.get(), 1);
    }
    assert.equal(t.refreshes(), 1, "4,000 ms of reads: no new refresh");
    t.advance(1000);
    const second = t.reading.get();
    await settle();
    assert.equal(t.refreshes(), 2);
    t.pending[1]!.resolve(2);
    assert.equal(await second, 2);
    assert.equal(await t.reading.get(), 2);
    assert.equal(t.refreshes(), 2);
  });

  it("a failed refresh is served as a failure until the interval ends (the database is not hammered)", async () => {
    const t = setup(5000);
    const first = t.reading.get();
    await settle();
    t.pending[0]!.reject(new Error("database down"));
    await assert.rejects(first, /database down/);
    for (let i = 0; i < 10; i++) await assert.rejects(t.reading.get(), /database down/);
    assert.equal(t.refreshes(), 1);
    t.advance(5000);
    const next = t.reading.get();
    await settle();
    t.pending[1]!.resolve(3);
    assert.equal(await next, 3);
    assert.equal(t.refreshes(), 2);
  });

  it("a refresh longer than the interval is still shared, and the next one starts only when asked", async () => {
    const t = setup(100);
    const first = t.reading.get();
    t.advance(10_000);
    const during = t.reading.get();
    await settle();
    assert.equal(t.refreshes(), 1);
    t.pending[0]!.resolve(5);
    assert.equal(await first, 5);
    assert.equal(await during, 5);
    await settle();
    const after = t.reading.get();
    await settle();
    assert.equal(t.refreshes(), 2);
    t.pending[1]!.resolve(6);
    assert.equal(await after, 6);
  });

  it("interval 0: every read after the last refresh finished refreshes again", async () => {
    const t = setup(0);
    const a = t.reading.get();
    const b = t.reading.get();
    await settle();
    t.pending[0]!.resolve(1);
    assert.equal(await a, 1);
    assert.equal(await b, 1);
    await settle();
    const c = t.reading.get();
    await settle();
    t.pending[1]!.resolve(2);
    assert.equal(await c, 2);
    assert.equal(t.refreshes(), 2);
  });
});
