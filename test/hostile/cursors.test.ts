/**
 * Cursors against a real API process: only cursors signed with the server's key (CURSOR_SECRET)
 * decode; forged ones, unkeyed or under another key, and signed ones whose fields are out of range
 * are BAD_USER_INPUT naming the argument — for queries and for subscription `after` — never
 * INTERNAL_SERVER_ERROR.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { epochCursor, setCursorSecret, topicCursor, transitionCursor } from "../../src/graphql/cursors.js";
import { spawnApi, TEST_CURSOR_SECRET, type ApiProcess } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { rawSocket } from "../helpers/ws-client.js";
import { until } from "../helpers/until.js";

/** The cursor format before the MAC: a bare sha256 of the body, computable by anyone. */
const unkeyed = (body: string) => Buffer.from(`${body}:${createHash("sha256").update(body).digest("base64url").slice(0, 10)}`).toString("base64url");

async function gql(api: ApiProcess, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: await res.json() };
}

describe("cursors (hostile)", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("refuses forged and out-of-range cursors with BAD_USER_INPUT naming the argument, over HTTP and graphql-ws", async () => {
    const api = await spawnApi(db.url);
    const { createTopic } = await api.gql(`mutation { createTopic(input: { epochLength: 3600, groundTruthLag: 3600, workerSubmissionWindow: 300 }) { id } }`);
    await api.gql(`mutation($t: Uint64!) { startEpoch(topicId: $t) { nonce } }`, { t: createTopic.id });

    // Cursors the server issued still work.
    // The log lists a transition once every older transaction in the cluster has ended (other test files run in parallel).
    let issued: any;
    await until("the start transition listed", async () => {
      issued = await api.gql(`{ transitions(first: 1) { edges { cursor } } epochs(first: 1) { edges { cursor } } topics(first: 1) { edges { cursor } } }`);
      return issued.transitions.edges.length === 1;
    }, 10_000);
    const ok = await gql(api, `query($t: String, $e: String, $p: String) { transitions(after: $t) { edges { cursor } } epochs(after: $e) { totalCount } topics(after: $p) { totalCount } }`, {
      t: issued.transitions.edges[0].cursor, e: issued.epochs.edges[0].cursor, p: issued.topics.edges[0].cursor,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));

    setCursorSecret(TEST_CURSOR_SECRET);
    const signedOutOfRange = {
      transitions: [transitionCursor.encode({ txid: -1n, id: 1n }), transitionCursor.encode({ txid: 2n ** 63n, id: 1n }), transitionCursor.encode({ txid: 1n, id: 99_999_999_999_999_999_999n })],
      epochs: [epochCursor.encode({ startAt: 9e15, topicId: 1n, nonce: 1n }), epochCursor.encode({ startAt: -1, topicId: 1n, nonce: 1n }), epochCursor.encode({ startAt: 0, topicId: 2n ** 64n, nonce: 1n })],
      topics: [topicCursor.encode(2n ** 64n), topicCursor.encode(-1n)],
    };
    setCursorSecret("another-key-another-key-another-key!");
    const otherKey = { transitions: [transitionCursor.encode({ txid: 1n, id: 1n })], epochs: [epochCursor.encode({ startAt: 0, topicId: 1n, nonce: 1n })], topics: [topicCursor.encode(1n)] };
    const forged = {
      transitions: [unkeyed("tr1:1:1"), unkeyed("tr1:-5:99999999999999999999")],
      epochs: [unkeyed("ep1:0:1:1"), unkeyed("ep1:99999999999999999999:1:1")],
      topics: [unkeyed("tp1:1")],
    };
    const fields: Record<keyof typeof forged, string> = {
      transitions: `query($a: String) { transitions(after: $a) { edges { cursor } } }`,
      epochs: `query($a: String) { epochs(after: $a) { edges { cursor } } }`,
      topics: `query($a: String) { topics(after: $a) { edges { cursor } } }`,
    };
    for (const set of [signedOutOfRange, otherKey, forged]) {
      for (const [field, cursors] of Object.entries(set) as [keyof typeof forged, string[]][]) {
        for (const cursor of cursors) {
          const res = await gql(api, fields[field], { a: cursor });
          const what = `${field} after ${Buffer.from(cursor, "base64url").toString()}: ${JSON.stringify(res.body)}`;
          assert.equal(res.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", what);
          assert.equal(res.body.errors[0].extensions.argument, "after", what);
          assert.equal(res.body.data?.[field] ?? null, null, what);
        }
      }
    }
    // A nested list's cursor: same answer.
    const nested = await gql(api, `query($a: String) { epochs(first: 1) { edges { node { transitions(after: $a) { edges { cursor } } } } } }`, { a: signedOutOfRange.transitions[1] });
    assert.equal(nested.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(nested.body));

    // Subscription `after`.
    const bad = [...signedOutOfRange.transitions, ...otherKey.transitions, ...forged.transitions];
    const s = rawSocket(api.url);
    assert.equal(await s.acked, true);
    bad.forEach((cursor, i) => {
      const query = i % 2 ? `subscription($a: String) { windowChanged(after: $a) { cursor } }` : `subscription($a: String) { epochTransitioned(after: $a) { cursor } }`;
      s.send({ id: `s${i}`, type: "subscribe", payload: { query, variables: { a: cursor } } });
    });
    await until(() => `the replies (${JSON.stringify(s.messages)})`, () => bad.every((_, i) => s.messages.some((m) => m.id === `s${i}` && m.type !== "complete")), 10_000);
    bad.forEach((_, i) => {
      const m = s.messages.find((x) => x.id === `s${i}` && x.type !== "complete");
      const errors = m.type === "error" ? m.payload : m.payload?.errors;
      assert.equal(errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(m));
      assert.equal(errors[0].extensions.argument, "after", JSON.stringify(m));
    });
    s.socket.close();
    await api.stop();
  });
});
