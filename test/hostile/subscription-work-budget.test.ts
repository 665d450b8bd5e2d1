/**
 * Subscriptions multiply work per event: a client's executions are paid from a work budget per
 * second (SUBSCRIPTION_WORK_PER_SECOND). A client whose selection costs more than its budget allows
 * at the event rate falls behind and ends with SUBSCRIBER_TOO_SLOW; another client's cheap
 * subscription, on the same events, receives every one. Real process, raw sockets, two API keys.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { spawnApi } from "../helpers/api-process.js";
import { API_KEYS, OPERATOR_KEY, VIEWER_KEY } from "../helpers/credentials.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { until } from "../helpers/until.js";
import { rawSocket } from "../helpers/ws-client.js";

/** Cost 23 per event (query-cost.ts): a budget of 100/s pays for about 4 events a second. */
const NESTED = `subscription { epochTransitioned { cursor epoch { state transitions(first: 10) { edges { node { at } } } } } }`;
/** Cost 1 per event. */
const LIGHT = `subscription { epochTransitioned { cursor transition } }`;
const EVENTS = 60;

describe("subscription work budget (hostile, real process)", { timeout: 90_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("ends the over-budget client's subscription with SUBSCRIBER_TOO_SLOW; another client's light one gets every event", async () => {
    const api = await spawnApi(db.url, {
      API_KEYS: API_KEYS.map((k) => `${k.role}:${k.sha256}`).join(","),
      RATE_LIMIT_BURST: "0",
      SUBSCRIPTION_WORK_PER_SECOND: "100",
      SUBSCRIPTION_BUFFER: "20",
    });
    const heavy = rawSocket(api.url, { authorization: `Bearer ${VIEWER_KEY}` });
    const light = rawSocket(api.url, { authorization: `Bearer ${OPERATOR_KEY}` });
    assert.equal(await heavy.acked, true);
    assert.equal(await light.acked, true);
    heavy.send({ id: "h", type: "subscribe", payload: { query: NESTED } });
    light.send({ id: "l", type: "subscribe", payload: { query: LIGHT } });

    const mutate = async (query: string) => {
      const res = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${OPERATOR_KEY}` }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { errors?: unknown };
      assert.equal(body.errors, undefined, JSON.stringify(body));
    };
    await mutate(`mutation { createTopic(input: { id: "9", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 }) { id } }`);
    // Wait until both subscriptions are live (each sees the first start) before the burst.
    await mutate(`mutation { startEpoch(topicId: "9") { nonce } }`);
    await until("the first event on both", () => heavy.messages.some((m) => m.id === "h") && light.messages.some((m) => m.id === "l"));
    for (let i = 1; i < EVENTS; i++) await mutate(`mutation { startEpoch(topicId: "9") { nonce } }`);

    await until("every event on the light subscription", () => light.messages.filter((m) => m.id === "l" && m.type === "next").length === EVENTS);
    assert.ok(light.messages.filter((m) => m.id === "l").every((m) => m.type === "next" && m.payload.errors === undefined));

    await until("the heavy subscription to end", () => heavy.messages.some((m) => m.id === "h" && m.type === "complete"));
    const results = heavy.messages.filter((m) => m.id === "h" && m.type === "next");
    const last = results.at(-1);
    assert.equal(last?.payload.errors?.[0]?.extensions?.code, "SUBSCRIBER_TOO_SLOW", JSON.stringify(last));
    assert.ok(results.length < EVENTS, `${results.length} results`);
    heavy.socket.close();
    light.socket.close();
    await api.stop();
  });
});
