/**
 * The live feed routes each record to its topic's subscribers and the unfiltered ones only
 * (src/pubsub/topic-routes.ts): counted filter evaluations, over an in-memory log.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LogPosition, TransitionLogRecord } from "../../src/app/records.js";
import { EpochState, EpochTransition, TransitionSource, WindowKind } from "../../src/domain/index.js";
import { SubscriberTooSlowError } from "../../src/domain/index.js";
import type { FeedEvent } from "../../src/app/live-events.js";
import type { SettledLogReader } from "../../src/app/settled-log-reader.js";
import { liveEvents } from "../../src/pubsub/transition-events.js";
import { comparePositions, TransitionFeed } from "../../src/pubsub/transition-feed.js";
import { TopicRoutes } from "../../src/pubsub/topic-routes.js";

/** A settled log in memory: append records, then `feed.sync()` delivers them. */
class MemoryLog implements SettledLogReader {
  readonly rows: TransitionLogRecord[] = [];
  private seq = 0n;

  append(topicId: bigint, transition = EpochTransition.OPEN_WORKER_WINDOW): TransitionLogRecord {
    const open = transition === EpochTransition.OPEN_WORKER_WINDOW;
    const r: TransitionLogRecord = {
      id: ++this.seq, txid: this.seq, topicId, nonce: 72057594037927937n + this.seq, transition,
      from: open ? EpochState.INIT : EpochState.WORKER_SUBMISSION, to: open ? EpochState.WORKER_SUBMISSION : EpochState.WAITING_GROUND_TRUTH,
      at: new Date(), dueAt: null, source: TransitionSource.API, reason: null,
    };
    this.rows.push(r);
    return r;
  }

  async read(after: LogPosition | null, limit: number): Promise<TransitionLogRecord[]> {
    return this.rows.filter((r) => after === null || comparePositions(r, after) > 0).slice(0, limit);
  }

  async head(): Promise<LogPosition | null> {
    return this.rows.at(-1) ?? null;
  }
}

async function startFeed(bufferLimit = 100) {
  const log = new MemoryLog();
  const feed = new TransitionFeed(log, { pollIntervalMs: 60_000, bufferLimit });
  await feed.start();
  return { log, feed };
}

/** Items already queued, without waiting for more. */
function queued<T>(q: { size: number; next(): Promise<IteratorResult<T>> }): Promise<T[]> {
  return Promise.all(Array.from({ length: q.size }, () => q.next().then((r) => r.value as T)));
}

describe("live feed routing by topic (unit)", () => {
  it("evaluates a record for exactly its topic's subscribers and the unfiltered ones", async () => {
    const { log, feed } = await startFeed();
    const evaluated = new Map<string, number>();
    const counting = (name: string) => () => {
      evaluated.set(name, (evaluated.get(name) ?? 0) + 1);
      return true;
    };
    const queues = new Map<string, ReturnType<typeof feed.subscribe>>();
    for (let t = 1n; t <= 1000n; t++) queues.set(`topic ${t}`, feed.subscribe({ topicId: t, filter: counting(`topic ${t}`) }, null));
    queues.set("topic 7 again", feed.subscribe({ topicId: 7n, filter: counting("topic 7 again") }, null));
    for (const name of ["all a", "all b", "all c"]) queues.set(name, feed.subscribe({ filter: counting(name) }, null));
    assert.equal(feed.subscriberCount, 1004);

    const r = log.append(7n);
    await feed.sync();
    assert.deepEqual(Object.fromEntries(evaluated), { "topic 7": 1, "topic 7 again": 1, "all a": 1, "all b": 1, "all c": 1 });
    for (const [name, q] of queues) {
      const expected = ["topic 7", "topic 7 again", "all a", "all b", "all c"].includes(name) ? [r.id] : [];
      assert.deepEqual((await queued(q)).map((x) => x.id), expected, name);
    }

    evaluated.clear();
    log.append(1000n);
    log.append(5000n); // a topic nobody follows: only the unfiltered see it
    await feed.sync();
    assert.deepEqual(Object.fromEntries(evaluated), { "topic 1000": 1, "all a": 2, "all b": 2, "all c": 2 });
    feed.stop();
  });

  it("routes the GraphQL subscriptions' streams: topic and states/kind filters still apply", async () => {
    const { log, feed } = await startFeed();
    const seven = liveEvents(feed).transitions({ topicId: 7n }, null);
    const sevenClosing = liveEvents(feed).transitions({ topicId: 7n, states: [EpochState.WAITING_GROUND_TRUTH] }, null);
    const every = liveEvents(feed).transitions({}, null);
    const windows = liveEvents(feed).windows({ topicId: 8n, kind: WindowKind.WORKER }, null);
    const a = log.append(7n);
    const b = log.append(8n);
    const c = log.append(7n, EpochTransition.CLOSE_WORKER_WINDOW);
    await feed.sync();
    const ids = async (it: AsyncIterator<FeedEvent<TransitionLogRecord>>, n: number) => {
      const out: bigint[] = [];
      for (let i = 0; i < n; i++) out.push((await it.next()).value!.value!.id);
      return out;
    };
    assert.deepEqual(await ids(seven, 2), [a.id, c.id]);
    assert.deepEqual(await ids(sevenClosing, 1), [c.id]);
    assert.deepEqual(await ids(every, 3), [a.id, b.id, c.id]);
    const w = await windows.next();
    assert.equal(w.value!.value!.record.id, b.id);
    assert.equal(w.value!.value!.opened, true);
    assert.equal(feed.subscriberCount, 4);
    for (const it of [seven, sevenClosing, every, windows]) await it.return!();
    assert.equal(feed.subscriberCount, 0, "leaving takes a subscriber out of the index");
    feed.stop();
  });

  it("replays a routed subscriber's topic from its cursor, then continues live with no gap or duplicate", async () => {
    const { log, feed } = await startFeed();
    const first = log.append(7n);
    log.append(8n);
    const second = log.append(7n);
    await feed.sync();
    const evaluatedFor: bigint[] = [];
    const q = feed.subscribe({ topicId: 7n, filter: (r) => (evaluatedFor.push(r.topicId), true) }, first);
    const third = log.append(7n);
    log.append(9n);
    await feed.sync();
    const got = [await q.next(), await q.next()].map((r) => r.value!.id);
    assert.deepEqual(got, [second.id, third.id]);
    assert.equal(q.size, 0);
    assert.ok(evaluatedFor.every((t) => t === 7n), "replay evaluates the filter on its topic's records only");
    feed.stop();
  });

  it("drops a subscriber that overflows from its topic's route, leaving the others", async () => {
    const { log, feed } = await startFeed(2);
    const slow = feed.subscribe({ topicId: 7n }, null);
    const other = feed.subscribe({ topicId: 7n }, null);
    const reading = other.next(); // takes the first at once: two more fit in its buffer
    log.append(7n);
    log.append(7n);
    log.append(7n);
    await feed.sync();
    await assert.rejects(slow.next(), SubscriberTooSlowError);
    assert.equal(feed.subscriberCount, 1);
    await reading;
    await other.next();
    await other.next();
    log.append(7n);
    await feed.sync();
    assert.equal(other.size, 1, "the other keeps receiving its topic's records");
    feed.stop();
  });

  it("forgets a topic once nobody follows it", () => {
    const routes = new TopicRoutes<string>();
    routes.add("a", 1n);
    routes.add("b", null);
    routes.add("a", 2n); // already routed: no second entry
    assert.equal(routes.size, 2);
    const seen = (t: bigint) => {
      const out: string[] = [];
      routes.forEvent(t, (s) => out.push(s));
      return out;
    };
    assert.deepEqual(seen(1n), ["a", "b"]);
    assert.deepEqual(seen(2n), ["b"]);
    routes.delete("a");
    assert.deepEqual(seen(1n), ["b"]);
    assert.equal((routes as unknown as { byTopic: Map<bigint, unknown> }).byTopic.size, 0);
  });
});
