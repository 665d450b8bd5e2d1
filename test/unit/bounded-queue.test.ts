import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BoundedQueue, QueueOverflowError } from "../../src/pubsub/bounded-queue.js";

describe("bounded queue (unit)", () => {
  it("overflows on bytes as well as on items; one item always fits into an empty queue", async () => {
    const q = new BoundedQueue<string>(1000, () => {}, { max: 10, sizeOf: (s) => s.length });
    assert.equal(q.push("x".repeat(25)), true, "larger than the bound, but the queue was empty");
    assert.equal((await q.next()).value, "x".repeat(25));
    assert.equal(q.push("aaaa"), true);
    assert.equal(q.push("bbbb"), true);
    assert.equal((await q.next()).value, "aaaa", "taking an item frees its bytes");
    assert.equal(q.push("cccccc"), true); // 4 + 6 = 10
    assert.equal(q.push("d"), false, "11 bytes > 10");
    await assert.rejects(q.next(), QueueOverflowError);
    assert.equal(q.size, 0, "the backlog is dropped");
  });

  it("without a byte bound, only the item count limits it", async () => {
    const q = new BoundedQueue<string>(2);
    assert.equal(q.push("x".repeat(1_000_000)), true);
    assert.equal(q.push("y"), true);
    assert.equal(q.push("z"), false);
  });
});
