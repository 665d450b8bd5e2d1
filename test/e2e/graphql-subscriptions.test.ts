import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client } from "graphql-ws";
import { EpochTransition, TransitionSource } from "../../src/domain/index.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { PrismaSettledLogReader } from "../../src/db/settled-log-reader.js";
import { startLiveTransitions, type LiveTransitions } from "../../src/pubsub/live-transitions.js";
import { comparePositions } from "../../src/pubsub/transition-feed.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { until } from "../helpers/until.js";
import { collect, wsClient } from "../helpers/ws-client.js";

const settings = { epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 10 };
const T = EpochTransition;

const TRANSITIONS = `subscription($topicId: Uint64, $states: [EpochState!], $after: String) {
  epochTransitioned(topicId: $topicId, states: $states, after: $after) {
    cursor topicId nonce transition from to source at dueAt epoch { state topic { id } }
  }
}`;
const WINDOWS = `subscription($topicId: Uint64, $kind: WindowKind, $after: String) {
  windowChanged(topicId: $topicId, kind: $kind, after: $after) { cursor kind opened at epoch { topicId nonce state } }
}`;

interface Tr {
  cursor: string;
  topicId: string;
  nonce: string;
  transition: string;
  to: string;
  source: string;
  epoch: { state: string; topic: { id: string } };
}

describe("GraphQL subscriptions over graphql-ws", () => {
  let db: TestDatabase;
  let store: LifecycleStore;
  let live: LiveTransitions;
  let api: TestApi;
  let client: Client;
  before(async () => {
    db = await createTestDatabase();
    store = new LifecycleStore(db.prisma);
    live = await startLiveTransitions(db.url, new PrismaSettledLogReader(db.prisma), { pollIntervalMs: 200, bufferLimit: 1000 });
    api = await startTestApi({ db, feed: live.feed, subscriptionLimits: { maxPerConnection: 5, keepAliveMs: 10_000 } });
    client = wsClient(api.url);
  });
  after(async () => {
    await client.dispose();
    await api.stop();
    await live.stop();
    await db.close();
  });

  async function topicWithEpoch() {
    const topic = await store.topics.create(db.prisma, settings);
    const { epoch, records } = await store.startEpoch(topic!.id, Date.now(), TransitionSource.API);
    // Let the feed pass it, so a subscription opened next starts after it, not just before.
    await feedPassed(records[0]!);
    return epoch;
  }
  /** The feed reads a row once every older transaction in the cluster has ended: wait for that. */
  async function feedPassed(r: { txid: bigint; id: bigint }) {
    await until("the feed passes the record", () => {
      live.feed.wake();
      return live.feed.head !== null && comparePositions(live.feed.head, r) >= 0;
    }, 5000);
  }
  const step = (e: { topicId: bigint; nonce: bigint }, transition: EpochTransition) =>
    store.applyTransition({ ...e, transition, source: TransitionSource.SCHEDULER, dueAt: new Date() });

  /** Subscribes and waits until the feed has registered it, so no event can slip in before. */
  async function subscribed<Tv>(query: string, variables: Record<string, unknown>, pick: (d: any) => Tv, on: Client = client) {
    const before = live.feed.registered;
    const sub = collect(on, query, variables, pick);
    await until("the feed registers the subscription", () => live.feed.registered > before, 5000);
    return sub;
  }

  it("streams every committed transition with its epoch as it is now", async () => {
    const sub = await subscribed(TRANSITIONS, {}, (d) => d.epochTransitioned as Tr);
    const e = await topicWithEpoch();
    await step(e, T.CLOSE_WORKER_WINDOW);
    const got = await sub.waitFor(2);
    assert.deepEqual(got.map((t) => [t.transition, t.to, t.source]), [
      ["OPEN_WORKER_WINDOW", "WORKER_SUBMISSION", "API"],
      ["CLOSE_WORKER_WINDOW", "WAITING_GROUND_TRUTH", "SCHEDULER"],
    ]);
    assert.equal(got[0]!.nonce, e.nonce.toString());
    assert.equal(got[1]!.epoch.topic.id, e.topicId.toString());
    assert.equal(got[1]!.epoch.state, "WAITING_GROUND_TRUTH");
    sub.dispose();
  });

  it("filters by topic and by the state entered", async () => {
    const a = await topicWithEpoch();
    const byTopic = await subscribed(TRANSITIONS, { topicId: a.topicId.toString() }, (d) => d.epochTransitioned as Tr);
    const completed = await subscribed(TRANSITIONS, { states: ["COMPLETED", "CANCELLED"] }, (d) => d.epochTransitioned as Tr);
    const b = await topicWithEpoch();
    for (const t of [T.CLOSE_WORKER_WINDOW, T.OPEN_REPUTER_WINDOW, T.CLOSE_REPUTER_WINDOW, T.COMPLETE]) await step(a, t);
    await step(b, T.CANCEL);
    // Last, a transition both subscriptions match: events come in log order, so once it has arrived
    // anything wrongly let through would have arrived before it.
    const last = (await store.startEpoch(a.topicId, Date.now(), TransitionSource.API)).epoch;
    await step(last, T.CANCEL);
    const mine = await byTopic.waitFor(6);
    assert.deepEqual(
      mine.map((t) => [t.topicId, t.nonce, t.transition]),
      [
        ...["CLOSE_WORKER_WINDOW", "OPEN_REPUTER_WINDOW", "CLOSE_REPUTER_WINDOW", "COMPLETE"].map((tr) => [a.topicId.toString(), a.nonce.toString(), tr]),
        [a.topicId.toString(), last.nonce.toString(), "OPEN_WORKER_WINDOW"],
        [a.topicId.toString(), last.nonce.toString(), "CANCEL"],
      ],
      "no other topic's transitions",
    );
    const ends = await completed.waitFor(3);
    assert.deepEqual(ends.map((t) => [t.topicId, t.nonce, t.to]), [
      [a.topicId.toString(), a.nonce.toString(), "COMPLETED"],
      [b.topicId.toString(), b.nonce.toString(), "CANCELLED"],
      [a.topicId.toString(), last.nonce.toString(), "CANCELLED"],
    ]);
    byTopic.dispose();
    completed.dispose();
  });

  it("reports window openings and closings, a close by cancel included, filtered by kind", async () => {
    const e = await topicWithEpoch();
    const all = await subscribed(WINDOWS, { topicId: e.topicId.toString() }, (d) => d.windowChanged);
    const reputer = await subscribed(WINDOWS, { topicId: e.topicId.toString(), kind: "REPUTER" }, (d) => d.windowChanged);
    for (const t of [T.CLOSE_WORKER_WINDOW, T.OPEN_REPUTER_WINDOW, T.CANCEL]) await step(e, t);
    const got = await all.waitFor(3);
    assert.deepEqual(got.map((w: any) => [w.kind, w.opened]), [["WORKER", false], ["REPUTER", true], ["REPUTER", false]]);
    assert.equal(got[2].epoch.state, "CANCELLED");
    const rep = await reputer.waitFor(2);
    assert.deepEqual(rep.map((w: any) => [w.kind, w.opened]), [["REPUTER", true], ["REPUTER", false]]);
    all.dispose();
    reputer.dispose();
  });

  it("resumes after a cursor: replays exactly the missed events, then continues live", async () => {
    const e = await topicWithEpoch();
    const steps = [T.CLOSE_WORKER_WINDOW, T.OPEN_REPUTER_WINDOW, T.CLOSE_REPUTER_WINDOW];
    const first = await subscribed(TRANSITIONS, { topicId: e.topicId.toString() }, (d) => d.epochTransitioned as Tr);
    await step(e, steps[0]!);
    const [seen] = await first.waitFor(1);
    first.dispose(); // the client goes away; two transitions commit meanwhile
    await step(e, steps[1]!);
    await step(e, steps[2]!);
    const resumed = collect(client, TRANSITIONS, { topicId: e.topicId.toString(), after: seen!.cursor }, (d) => d.epochTransitioned as Tr);
    const missed = await resumed.waitFor(2);
    assert.deepEqual(missed.map((t) => t.transition), ["OPEN_REPUTER_WINDOW", "CLOSE_REPUTER_WINDOW"]);
    await step(e, T.COMPLETE);
    const all = await resumed.waitFor(3);
    assert.deepEqual(all.map((t) => t.transition), ["OPEN_REPUTER_WINDOW", "CLOSE_REPUTER_WINDOW", "COMPLETE"]);
    assert.equal(new Set(all.map((t) => t.cursor)).size, 3);
    resumed.dispose();
  });

  it("refuses a malformed cursor with BAD_USER_INPUT", async () => {
    const bad = collect(client, TRANSITIONS, { after: "not-a-cursor" }, (d) => d);
    const deadline = Date.now() + 5000;
    while (bad.errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const codes = JSON.stringify(bad.errors);
    assert.match(codes, /BAD_USER_INPUT/);
    assert.doesNotMatch(codes, /stack|at \//);
  });

  it("caps subscriptions per connection with RATE_LIMITED", async () => {
    const own = wsClient(api.url);
    const subs: { dispose(): void }[] = [];
    try {
      // Distinct variables: identical subscriptions would share one execution (and one feed subscriber).
      for (let i = 0; i < 5; i++) subs.push(await subscribed(TRANSITIONS, { topicId: String(9000 + i) }, (d) => d, own));
      const sixth = collect(own, TRANSITIONS, { topicId: "9005" }, (d) => d);
      subs.push(sixth);
      const deadline = Date.now() + 5000;
      while (sixth.errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.match(JSON.stringify(sixth.errors), /RATE_LIMITED/);
      // The cap is per connection: another connection may still subscribe.
      subs.push(await subscribed(TRANSITIONS, { topicId: "9006" }, (d) => d, client));
    } finally {
      for (const s of subs) s.dispose();
      await own.dispose();
    }
  });
});
