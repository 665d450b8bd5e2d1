/**
 * Shared subscription executions are keyed from the operation's AST and its coerced variables
 * (defaults applied): `after` given by a variable's default value is a cursor, so a second
 * identical subscriber gets its own full replay instead of joining a live-only execution (the
 * issue saw 3 events instead of 1,035). Values that coerce alike share; a cursor never does.
 */
import assert from "node:assert/strict";
import "reflect-metadata";
import { after, before, describe, it } from "node:test";
import { parse } from "graphql";
import type { ReadModel } from "../../src/app/read-model.js";
import { createContext } from "../../src/graphql/context.js";
import { buildApiSchema } from "../../src/graphql/schema.js";
import { createSharedSubscribe } from "../../src/graphql/shared-subscriptions.js";
import { liveEvents } from "../../src/pubsub/transition-events.js";
import { TransitionFeed } from "../../src/pubsub/transition-feed.js";
import { spawnApi } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { collect, wsClient } from "../helpers/ws-client.js";

describe("shared execution key (hostile)", { timeout: 90_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("a second subscriber whose `after` comes from a variable default gets its full replay (real process)", async () => {
    const api = await spawnApi(db.url, { RATE_LIMIT_BURST: "0" });
    await api.gql(`mutation { createTopic(input: { id: "5", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 }) { id } }`);
    for (let i = 0; i < 15; i++) {
      const { startEpoch } = await api.gql(`mutation { startEpoch(topicId: "5") { nonce } }`);
      await api.gql(`mutation($n: NonceV2!) { cancelEpoch(topicId: "5", nonce: $n, reason: "test") { state } }`, { n: startEpoch.nonce });
    }
    // The log is read up to its settled horizon: wait until every committed record shows.
    let cursors: string[] = [];
    for (const deadline = Date.now() + 15_000; cursors.length < 30; await new Promise((r) => setTimeout(r, 50))) {
      assert.ok(Date.now() < deadline, `${cursors.length} of 30 transitions listed`);
      const { transitions } = await api.gql(`{ transitions(topicId: "5", first: 500) { edges { cursor } } }`);
      cursors = transitions.edges.map((e: { cursor: string }) => e.cursor);
    }
    assert.equal(cursors.length, 30);
    // Replays everything after the first transition: 29 events, then live.
    const doc = `subscription($after: String = ${JSON.stringify(cursors[0])}) { epochTransitioned(after: $after) { cursor } }`;
    const client = wsClient(api.url);
    const first = collect(client, doc, {}, (d) => d.epochTransitioned.cursor as string);
    assert.deepEqual(await first.waitFor(29, 15_000), cursors.slice(1));
    const second = collect(client, doc, {}, (d) => d.epochTransitioned.cursor as string);
    assert.deepEqual(await second.waitFor(29, 15_000), cursors.slice(1), "the second subscriber's own replay");
    // Both continue live, once each.
    await api.gql(`mutation { startEpoch(topicId: "5") { nonce } }`);
    await first.waitFor(30, 15_000);
    await second.waitFor(30, 15_000);
    assert.deepEqual(second.items, first.items);
    first.dispose();
    second.dispose();
    await client.dispose();
    await api.stop();
  });

  it("shares exactly when the operation and its coerced variable values are the same", async () => {
    const schema = await buildApiSchema();
    const feed = new TransitionFeed({ read: async () => [], head: async () => null }, { pollIntervalMs: 60_000, bufferLimit: 10 });
    await feed.start();
    const shared = createSharedSubscribe({ bufferLimit: 10 });
    const contextValue = createContext({} as ReadModel, null, liveEvents(feed));
    const open = async (query: string, variableValues: Record<string, unknown> = {}) =>
      (await shared.subscribe({ schema, document: parse(query), variableValues, contextValue })) as AsyncIterator<unknown>;
    const byTopic = `subscription($t: Uint64 = "7") { epochTransitioned(topicId: $t) { cursor } }`;
    const subs = [await open(byTopic), await open(byTopic, { t: "7" }), await open(byTopic, { t: 7 })];
    assert.equal(shared.groupCount(), 1, "a default and the same value given two ways coerce alike");
    subs.push(await open(byTopic, { t: "8" }));
    assert.equal(shared.groupCount(), 2, "another value: another execution");
    // A cursor never shares, however it is given: literal, variable, default, or through a fragment.
    const cursor = "dHIxOjE6MTpRQ0FhbkhmZ1Zr";
    for (const [query, vars] of [
      [`subscription { epochTransitioned(after: "${cursor}") { cursor } }`, {}],
      [`subscription($a: String) { epochTransitioned(after: $a) { cursor } }`, { a: cursor }],
      [`subscription($a: String = "${cursor}") { epochTransitioned(after: $a) { cursor } }`, {}],
      [`subscription($a: String = "${cursor}") { ...F } fragment F on Subscription { epochTransitioned(after: $a) { cursor } }`, {}],
      [`subscription($a: String = "${cursor}") { ... on Subscription { windowChanged(after: $a) { cursor } } }`, {}],
    ] as const) {
      subs.push(await open(query, vars));
      assert.equal(shared.groupCount(), 2, query);
    }
    // A null cursor (given or defaulted) is no cursor: shared.
    subs.push(await open(`subscription($a: String = null) { epochTransitioned(after: $a) { cursor } }`));
    subs.push(await open(`subscription($a: String = null) { epochTransitioned(after: $a) { cursor } }`, { a: null }));
    assert.equal(shared.groupCount(), 3);
    for (const s of subs) await s.return?.();
    feed.stop();
  });
});
