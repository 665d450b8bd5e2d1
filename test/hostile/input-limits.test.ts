/**
 * Coded errors for hostile input values against a real API process: NUL characters and over-long
 * strings (BAD_USER_INPUT naming the argument, nothing written), and Float literals or JSON floats
 * for Uint64 / NonceV2 arguments, over HTTP and graphql-ws.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { rawSocket } from "../helpers/ws-client.js";
import { until } from "../helpers/until.js";

/** POSTs a raw JSON text (so `1.0` stays `1.0`), returning status and parsed body. */
async function post(api: ApiProcess, body: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: res.status, body: await res.json() };
}
const gql = (api: ApiProcess, query: string, variables?: Record<string, unknown>) => post(api, JSON.stringify({ query, variables }));

/** Sends raw subscribe messages on one socket and returns each one's errors. */
async function overWs(api: ApiProcess, payloads: string[]): Promise<any[][]> {
  const s = rawSocket(api.url);
  assert.equal(await s.acked, true);
  payloads.forEach((p, i) => s.socket.send(`{"id":"m${i}","type":"subscribe","payload":${p}}`));
  await until(() => `the replies (${JSON.stringify(s.messages)})`, () => payloads.every((_, i) => s.messages.some((m) => m.id === `m${i}` && m.type !== "complete")), 10_000);
  s.socket.close();
  return payloads.map((_, i) => {
    const m = s.messages.find((x) => x.id === `m${i}` && x.type !== "complete");
    return m.type === "error" ? m.payload : (m.payload.errors ?? []);
  });
}

describe("input limits (hostile)", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("refuses NUL characters and over-long strings as BAD_USER_INPUT naming the argument, before any write", async () => {
    const api = await spawnApi(db.url);
    const { createTopic } = await api.gql(`mutation { createTopic(input: { epochLength: 3600, groundTruthLag: 3600, workerSubmissionWindow: 300 }) { id } }`);
    const topicId = createTopic.id as string;
    const { startEpoch } = await api.gql(`mutation($t: Uint64!) { startEpoch(topicId: $t) { nonce } }`, { t: topicId });
    const nonce = startEpoch.nonce as string;
    const log = async () => (await api.gql(`query($t: Uint64) { transitions(topicId: $t, first: 500) { edges { node { cursor to reason } } } epochs { edges { node { state version } } } }`, { t: topicId }));
    // The start is listed once the log below it has settled (another file's open transaction can hold that back).
    await until("the start listed", async () => (await log()).transitions.edges.length === 1);
    const before = await log();

    const cancel = `mutation($t: Uint64!, $n: NonceV2!, $r: String) { cancelEpoch(topicId: $t, nonce: $n, reason: $r) { state } }`;
    const cases: [string, string, RegExp][] = [
      ["NUL literal", JSON.stringify({ query: `mutation { cancelEpoch(topicId: "${topicId}", nonce: "${nonce}", reason: "a\\u0000b") { state } }` }), /NUL/],
      ["NUL variable", JSON.stringify({ query: cancel, variables: { t: topicId, n: nonce, r: "a\u0000b" } }), /NUL/],
      ["NUL default", JSON.stringify({ query: `mutation($t: Uint64!, $n: NonceV2!, $r: String = "\\u0000") { cancelEpoch(topicId: $t, nonce: $n, reason: $r) { state } }`, variables: { t: topicId, n: nonce } }), /NUL/],
      ["long literal", JSON.stringify({ query: `mutation { cancelEpoch(topicId: "${topicId}", nonce: "${nonce}", reason: "${"x".repeat(1001)}") { state } }` }), /at most 1000 characters/],
      ["long variable", JSON.stringify({ query: cancel, variables: { t: topicId, n: nonce, r: "😀".repeat(1001) } }), /at most 1000 characters/],
      ["huge variable", JSON.stringify({ query: cancel, variables: { t: topicId, n: nonce, r: "x".repeat(900_000) } }), /at most 1000 characters/],
    ];
    for (const [what, body, message] of cases) {
      const res = await post(api, body);
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body).slice(0, 300)}`);
      const err = res.body.errors[0];
      assert.equal(err.extensions.code, "BAD_USER_INPUT", what);
      assert.equal(err.extensions.argument, "reason", what);
      assert.match(err.message, message, what);
    }
    // Cursor arguments: NUL and size refused the same way.
    for (const after of ["a\u0000b", "x".repeat(5000)]) {
      const res = await gql(api, `query($a: String) { epochs(after: $a) { totalCount } }`, { a: after });
      assert.equal(res.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.errors[0].extensions.argument, "after");
    }
    // graphql-ws: a mutation over the socket meets the same check.
    const [ws] = await overWs(api, [JSON.stringify({ query: cancel, variables: { t: topicId, n: nonce, r: "\u0000" } })]);
    assert.equal(ws![0].extensions.code, "BAD_USER_INPUT", JSON.stringify(ws));
    assert.equal(ws![0].extensions.argument, "reason");

    assert.deepEqual(await log(), before, "nothing was written");
    // At the limit: accepted and stored.
    const ok = await gql(api, cancel, { t: topicId, n: nonce, r: "é".repeat(1000) });
    assert.equal(ok.body.data?.cancelEpoch?.state, "CANCELLED", JSON.stringify(ok.body).slice(0, 300));
    await api.stop();
  });

  it("refuses Float literals and JSON floats for Uint64 and NonceV2, naming the argument", async () => {
    const api = await spawnApi(db.url);
    const literals = [`{ topic(id: 1.0) { id } }`, `{ topic(id: 2e0) { id } }`, `{ topic(id: 1.5) { id } }`, `{ epoch(topicId: "1", nonce: 1.0) { state } }`, `{ epochs(where: { topicId: 1E1 }) { totalCount } }`];
    for (const query of literals) {
      const res = await gql(api, query);
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.errors[0].extensions.code, "BAD_USER_INPUT", query);
      assert.match(res.body.errors[0].message, /argument "(id|nonce|where\.topicId)" of field/, `${query}: ${res.body.errors[0].message}`);
      assert.match(res.body.errors[0].message, /integer/, query);
    }
    const raw = [
      `{"query":"query($id: Uint64!) { topic(id: $id) { id } }","variables":{"id":1.0}}`,
      `{"query":"query($id: Uint64!) { topic(id: $id) { id } }","variables":{"id":2e0}}`,
      `{"query":"query($n: NonceV2!) { epoch(topicId: \\"1\\", nonce: $n) { state } }","variables":{"n":72057594037927937.0}}`,
      `{"query":"query($n: NonceV2!) { epoch(topicId: \\"1\\", nonce: $n) { state } }","variables":{"n":1e0}}`,
    ];
    for (const body of raw) {
      const res = await post(api, body);
      assert.equal(res.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", `${body}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.errors[0].message, /variable "\$(id|n)"/, res.body.errors[0].message);
    }
    // Integers still pass, as literals and as JSON numbers.
    assert.equal((await post(api, `{"query":"query($id: Uint64!) { topic(id: $id) { id } }","variables":{"id":1}}`)).status, 200);
    assert.equal((await gql(api, `{ topic(id: 1) { id } }`)).status, 200);
    // graphql-ws parses its messages the same way.
    const ws = await overWs(api, [
      JSON.stringify({ query: `{ topic(id: 1.0) { id } }` }),
      `{"query":"query($id: Uint64!) { topic(id: $id) { id } }","variables":{"id":1.0}}`,
    ]);
    for (const errors of ws) assert.equal(errors[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(ws));
    await api.stop();
  });
});
