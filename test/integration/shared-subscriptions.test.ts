import assert from "node:assert/strict";
import "reflect-metadata";
import { describe, it } from "node:test";
import { parse, type ExecutionResult } from "graphql";
import type { TransitionLogRecord } from "../../src/app/records.js";
import { createContext } from "../../src/graphql/context.js";
import { buildApiSchema } from "../../src/graphql/schema.js";
import { createSharedSubscribe, type SerializedResult } from "../../src/graphql/shared-subscriptions.js";
import { liveEvents } from "../../src/pubsub/transition-events.js";
import { TransitionFeed } from "../../src/pubsub/transition-feed.js";
import { until } from "../helpers/until.js";
import type { ReadModel } from "../../src/app/read-model.js";

/** A feed over an in-memory log: the test appends records and wakes it. */
function memoryFeed() {
  const log: TransitionLogRecord[] = [];
  const feed = new TransitionFeed(
    {
      read: async (after, limit) => log.filter((r) => !after || r.txid > after.txid || (r.txid === after.txid && r.id > after.id)).slice(0, limit),
      head: async () => null,
    },
    { pollIntervalMs: 60_000, bufferLimit: 1000 },
  );
  const append = async (topicId: bigint, transition = 1) => {
    const n = BigInt(log.length + 1);
    log.push({ id: n, txid: n, topicId, nonce: 72057594037927937n, transition, from: 1, to: 2, at: new Date(), dueAt: null, source: 1, reason: null });
    await feed.sync();
  };
  return { feed, append };
}

async function next(it: AsyncIterator<ExecutionResult>): Promise<ExecutionResult> {
  const r = await Promise.race([it.next(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error("no event")), 2000))]);
  assert.equal(r.done, false);
  return r.value;
}

describe("shared subscription executions", async () => {
  const schema = await buildApiSchema();
  const doc = parse(`subscription($t: Uint64, $after: String) { epochTransitioned(topicId: $t, after: $after) { cursor topicId transition } }`);

  it("runs identical subscriptions once and gives every member every result", async () => {
    const { feed, append } = memoryFeed();
    await feed.start();
    const shared = createSharedSubscribe({ bufferLimit: 100 });
    const ctx = () => createContext({} as ReadModel, null, liveEvents(feed));
    const subs = await Promise.all(
      Array.from({ length: 5 }, () => shared.subscribe({ schema, document: doc, variableValues: { t: "7" }, contextValue: ctx() })),
    );
    const other = await shared.subscribe({ schema, document: doc, variableValues: { t: "8" }, contextValue: ctx() });
    assert.equal(shared.groupCount(), 2, "one execution per distinct variables");
    assert.equal(feed.subscriberCount, 2, "the feed sees one subscriber per execution");
    await append(7n);
    await append(8n);
    for (const s of subs) {
      const r = await next(s as AsyncIterator<ExecutionResult>);
      assert.deepEqual((r.data as any).epochTransitioned.topicId, "7");
    }
    assert.equal(((await next(other as AsyncIterator<ExecutionResult>)).data as any).epochTransitioned.topicId, "8");
    // Members leave one by one; the execution stops with the last.
    for (const s of subs) await (s as AsyncIterator<ExecutionResult>).return!();
    assert.equal(shared.groupCount(), 1);
    await (other as AsyncIterator<ExecutionResult>).return!();
    assert.equal(shared.groupCount(), 0);
    // The source's return() reaches the feed's queue asynchronously (through graphql-js's stream).
    await until("the feed drops the execution's subscriber", () => feed.subscriberCount === 0, 5000);
    feed.stop();
  });

  it("never shares a replay from a cursor", async () => {
    const { feed } = memoryFeed();
    await feed.start();
    const shared = createSharedSubscribe({ bufferLimit: 100 });
    const ctx = createContext({} as ReadModel, null, liveEvents(feed));
    const cursor = "dHIxOjE6MTpRQ0FhbkhmZ1Zr"; // decoded or not, it must not be shared
    const a = await shared.subscribe({ schema, document: doc, variableValues: { after: cursor }, contextValue: ctx });
    assert.equal(shared.groupCount(), 0);
    if (Symbol.asyncIterator in a) await (a as AsyncIterator<unknown>).return!();
    feed.stop();
  });

  it("ends a member that falls behind with SUBSCRIBER_TOO_SLOW, without disturbing the others", async () => {
    const { feed, append } = memoryFeed();
    await feed.start();
    const shared = createSharedSubscribe({ bufferLimit: 3 });
    const ctx = () => createContext({} as ReadModel, null, liveEvents(feed));
    const slow = (await shared.subscribe({ schema, document: doc, variableValues: {}, contextValue: ctx() })) as AsyncIterator<ExecutionResult>;
    const fast = (await shared.subscribe({ schema, document: doc, variableValues: {}, contextValue: ctx() })) as AsyncIterator<ExecutionResult>;
    const got: ExecutionResult[] = [];
    const reading = (async () => {
      for (;;) {
        const r = await fast.next();
        if (r.done) break;
        got.push(r.value);
        if (got.length === 6) break;
      }
    })();
    for (let i = 0; i < 6; i++) await append(1n);
    await reading;
    assert.equal(got.length, 6, "the fast member got everything");
    const results: ExecutionResult[] = [];
    for (;;) {
      const r = await slow.next();
      if (r.done) break;
      results.push(r.value);
    }
    const last = results[results.length - 1]!;
    assert.equal(last.errors?.[0]?.originalError?.constructor.name, "SubscriberTooSlowError");
    assert.ok(results.length <= 4);
    await fast.return!();
    feed.stop();
  });

  it("bounds a member's buffer in bytes too, and charges its bytes to its connection's account until taken", async () => {
    const { feed, append } = memoryFeed();
    await feed.start();
    let held = 0;
    const account = { take: (n: number) => void (held += n), give: (n: number) => void (held -= n) };
    // Each result is ~120 bytes of JSON: two fit in 300 bytes, the third does not.
    const shared = createSharedSubscribe({ bufferLimit: 1000, bufferBytes: 300, accountOf: () => account });
    const ctx = () => createContext({} as ReadModel, null, liveEvents(feed));
    const kept = (await shared.subscribe({ schema, document: doc, variableValues: {}, contextValue: ctx() })) as AsyncIterator<ExecutionResult>;
    await append(1n);
    await append(1n);
    assert.ok(held > 0 && held <= 300, `held ${held}`);
    await next(kept);
    await next(kept);
    assert.equal(held, 0, "taken results are given back");

    const slow = (await shared.subscribe({ schema, document: doc, variableValues: {}, contextValue: ctx() })) as AsyncIterator<ExecutionResult>;
    await kept.return!();
    for (let i = 0; i < 5; i++) await append(1n);
    assert.equal(held, 0, "the overflow dropped the backlog and gave its bytes back");
    const results: ExecutionResult[] = [];
    for (;;) {
      const r = await slow.next();
      if (r.done) break;
      results.push(r.value);
    }
    assert.equal(results.length, 1, "only the error is left");
    assert.equal(results[0]!.errors?.[0]?.originalError?.constructor.name, "SubscriberTooSlowError");
    assert.match(results[0]!.errors![0]!.message, /fell 2 events \(\d+ bytes\) behind/);
    assert.equal(held, 0);
    feed.stop();
  });

  it("writes results straight to a parked member's sink, and queues them while the sink declines, in order", async () => {
    const { feed, append } = memoryFeed();
    await feed.start();
    const written: string[] = [];
    let accepting = true;
    const sink = { send: (r: SerializedResult) => accepting && written.push(r.json) > 0 };
    const shared = createSharedSubscribe({ bufferLimit: 100, sinkOf: () => sink });
    const ctx = () => createContext({} as ReadModel, null, liveEvents(feed));
    const member = (await shared.subscribe({ schema, document: doc, variableValues: {}, contextValue: ctx() })) as AsyncIterator<ExecutionResult>;
    const transitionOf = (r: ExecutionResult) => (r.data as any).epochTransitioned.transition as string;

    // Not yet parked (nobody has asked for a result): queued, not written.
    await append(1n, 0);
    await until("the result queued", () => (member as unknown as { size: number }).size === 1, 2000);
    assert.deepEqual(written, []);
    assert.equal(transitionOf(await next(member)), "OPEN_WORKER_WINDOW");
    // Parked on an empty queue: written directly, as the JSON of the result, and never queued.
    const pending = member.next();
    await append(1n, 1);
    await until("the direct write", () => written.length === 1, 2000);
    assert.equal(JSON.parse(written[0]!).data.epochTransitioned.transition, "CLOSE_WORKER_WINDOW");
    // The sink declines (its socket has unsent bytes): the next results go through the queue, in order.
    accepting = false;
    await append(1n, 2);
    await append(1n, 3);
    assert.equal(transitionOf((await pending).value), "OPEN_REPUTER_WINDOW");
    assert.equal(transitionOf(await next(member)), "CLOSE_REPUTER_WINDOW");
    assert.equal(written.length, 1);
    await member.return!();
    assert.equal(shared.groupCount(), 0);
    feed.stop();
  });

  it("sends nothing directly to a member whose consumer is busy, so a reader that stops still ends with SUBSCRIBER_TOO_SLOW", async () => {
    const { feed, append } = memoryFeed();
    await feed.start();
    const written: string[] = [];
    const shared = createSharedSubscribe({ bufferLimit: 2, sinkOf: () => ({ send: (r: SerializedResult) => written.push(r.json) > 0 }) });
    const ctx = () => createContext({} as ReadModel, null, liveEvents(feed));
    const member = (await shared.subscribe({ schema, document: doc, variableValues: {}, contextValue: ctx() })) as AsyncIterator<ExecutionResult>;
    for (let i = 0; i < 4; i++) await append(1n);
    await until("the overflow", () => (member as unknown as { closed: boolean }).closed, 2000);
    assert.deepEqual(written, [], "never parked: every result was queued");
    const results: ExecutionResult[] = [];
    for (;;) {
      const r = await member.next();
      if (r.done) break;
      results.push(r.value);
    }
    assert.equal(results.length, 1);
    assert.equal(results[0]!.errors?.[0]?.originalError?.constructor.name, "SubscriberTooSlowError");
    feed.stop();
  });
});
