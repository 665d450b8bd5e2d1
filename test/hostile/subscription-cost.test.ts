/**
 * A subscription document is paid for at every event, so its cost (objects one event may load)
 * has its own, lower limit: SUBSCRIPTION_MAX_COST. Nested connections inside a payload are capped
 * by it: a page of epochs with their transitions per event is refused with QUERY_TOO_COMPLEX,
 * while the dashboard's subscription and a small nested page pass. Real process, raw socket.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { spawnApi } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { until } from "../helpers/until.js";
import { rawSocket } from "../helpers/ws-client.js";

/** ~8,300 objects per event: within QUERY_MAX_COST (50,000), far over the default SUBSCRIPTION_MAX_COST. */
const HEAVY = `subscription { epochTransitioned { epoch { topic { epochs(first: 100) { edges { node { transitions(first: 40) { edges { node { at reason } } } } } } } } } }`;
const NESTED_SMALL = `subscription { epochTransitioned { cursor epoch { state transitions(first: 10) { edges { node { at } } } } } }`;
const DASHBOARD = `subscription($after: String) { epochTransitioned(after: $after) { cursor at topicId nonce transition to source } }`;

describe("subscription cost per event (hostile, real process)", { timeout: 60_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("refuses a heavy subscription payload with QUERY_TOO_COMPLEX; light ones run", async () => {
    const api = await spawnApi(db.url, { RATE_LIMIT_BURST: "0" });
    // The same selection as a query is within the query limit.
    await api.gql(`{ epochs(first: 1) { edges { node { topic { epochs(first: 100) { edges { node { transitions(first: 40) { edges { node { at reason } } } } } } } } } } }`);
    const s = rawSocket(api.url, {});
    assert.equal(await s.acked, true);
    s.send({ id: "heavy", type: "subscribe", payload: { query: HEAVY } });
    s.send({ id: "issue", type: "subscribe", payload: { query: HEAVY.replace("first: 100", "first: 500").replace("first: 40", "first: 2") } });
    s.send({ id: "small", type: "subscribe", payload: { query: NESTED_SMALL } });
    s.send({ id: "dash", type: "subscribe", payload: { query: DASHBOARD } });
    await until("both refusals", () => s.messages.filter((m) => m.type === "error").length >= 2);
    for (const id of ["heavy", "issue"]) {
      const m = s.messages.find((x) => x.id === id);
      assert.equal(m?.type, "error", `${id}: ${JSON.stringify(s.messages)}`);
      assert.equal(m.payload[0].extensions.code, "QUERY_TOO_COMPLEX");
      assert.match(m.payload[0].message, /Subscription cost limit of 200 per event exceeded/);
    }
    await api.gql(`mutation { createTopic(input: { id: "9", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 }) { id } }`);
    await api.gql(`mutation { startEpoch(topicId: "9") { nonce } }`);
    await until("an event on both light subscriptions", () => ["small", "dash"].every((id) => s.messages.some((m) => m.id === id && m.type === "next")));
    for (const id of ["small", "dash"]) assert.equal(s.messages.find((m) => m.id === id && m.type === "next").payload.errors, undefined);
    s.socket.close();
    await api.stop();
  });
});
