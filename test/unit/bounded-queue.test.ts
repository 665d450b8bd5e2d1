import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BoundedQueue, type ByteAccount } from "../../src/app/bounded-queue.js";
import { SubscriberTooSlowError } from "../../src/domain/index.js";

describe("bounded queue (unit)", () => {
  it("overflows on bytes as well as on items; one item always fits into an empty queue", async () => {
    const q = new BoundedQueue<string>({ items: 1000, bytes: 10, sizeOf: (s) => s.length });
    assert.equal(q.push("x".repeat(25)), true, "larger than the bound, but the queue was empty");
    assert.equal((await q.next()).value, "x".repeat(25));
    assert.equal(q.push("aaaa"), true);
    assert.equal(q.push("bbbb"), true);
    assert.equal((await q.next()).value, "aaaa", "taking an item frees its bytes");
    assert.equal(q.push("cccccc"), true); // 4 + 6 = 10
    assert.equal(q.push("d"), false, "11 bytes > 10");
    await assert.rejects(q.next(), (e) => e instanceof SubscriberTooSlowError && /fell 2 events \(10 bytes\) behind/.test(e.message));
    assert.equal(q.size, 0, "the backlog is dropped");
  });

  it("without a byte bound, only the item count limits it", async () => {
    const q = new BoundedQueue<string>({ items: 2 });
    assert.equal(q.push("x".repeat(1_000_000)), true);
    assert.equal(q.push("y"), true);
    assert.equal(q.push("z"), false);
  });

  it("charges buffered bytes to an account, and on overflow hands over a last item instead of failing", async () => {
    let held = 0;
    let closes = 0;
    const account: ByteAccount = { take: (b) => void (held += b), give: (b) => void (held -= b) };
    const q = new BoundedQueue<string>({ items: 2 }, { account, onClose: () => closes++, lastItem: (e) => `too slow: ${e.message}` });
    assert.equal(q.push("a", 5), true);
    assert.equal(q.push("b", 7), true);
    assert.equal(held, 12);
    assert.equal((await q.next()).value, "a");
    assert.equal(held, 7, "a taken item's bytes are given back");
    assert.equal(q.push("c", 1), true);
    assert.equal(q.push("d", 1), false, "over 2 items");
    assert.equal(held, 0, "the dropped backlog's bytes are given back");
    assert.equal(closes, 1);
    assert.equal((await q.next()).value, "too slow: subscriber fell 2 events (8 bytes) behind; resubscribe with `after` set to the last cursor received");
    assert.deepEqual(await q.next(), { value: undefined, done: true });
    assert.equal(q.push("e", 1), false, "ended");
  });

  it("hands an item straight to a waiting consumer without buffering it", async () => {
    let held = 0;
    const q = new BoundedQueue<string>({ items: 1 }, { account: { take: (b) => void (held += b), give: (b) => void (held -= b) } });
    const waiting = q.next();
    assert.equal(q.push("x", 100), true);
    assert.deepEqual(await waiting, { value: "x", done: false });
    assert.equal(held, 0);
    await q.return();
    assert.deepEqual(await q.next(), { value: undefined, done: true });
  });
});
