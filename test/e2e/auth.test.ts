/**
 * Auth on a real server: API keys and JWTs (HS256, RS256) over HTTP and graphql-ws, roles, the
 * AUTH_QUERIES switch, close codes 4401 / 4403 and the socket closed when its JWT expires.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAuthenticator } from "../../src/auth/authenticator.js";
import { PrismaSettledLogReader } from "../../src/db/settled-log-reader.js";
import { startLiveTransitions, type LiveTransitions } from "../../src/pubsub/live-transitions.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { API_KEYS, JWT_SECRET, OPERATOR_KEY, RSA_PUBLIC_PEM, VIEWER_KEY, bearer, signToken } from "../helpers/credentials.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { lifecycleFor } from "../helpers/lifecycle.js";
import { rawSocket } from "../helpers/ws-client.js";
import { until } from "../helpers/until.js";

const CREATE = `mutation { createTopic(input: { epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 10 }) { id } }`;
const QUERY = `{ topics { totalCount } }`;
const SUBSCRIBE = `subscription { epochTransitioned { cursor } }`;

function code(res: { body: any }): string | undefined {
  return res.body?.errors?.[0]?.extensions?.code;
}

describe("authentication and roles (e2e)", () => {
  let db: TestDatabase;
  let live: LiveTransitions;
  let api: TestApi;
  let strict: TestApi;
  before(async () => {
    db = await createTestDatabase();
    live = await startLiveTransitions(db.url, new PrismaSettledLogReader(db.prisma), { pollIntervalMs: 200, bufferLimit: 1000 });
    const commands = lifecycleFor(db).commands;
    const jwt = { secret: JWT_SECRET, publicKeyPem: RSA_PUBLIC_PEM };
    api = await startTestApi({ db, commands, feed: live.feed, security: { authenticator: await createAuthenticator({ apiKeys: API_KEYS, jwt }) } });
    strict = await startTestApi({
      db,
      commands,
      feed: live.feed,
      security: { authenticator: await createAuthenticator({ apiKeys: API_KEYS, jwt, queries: "required" }) },
    });
  });
  after(async () => {
    await api?.stop();
    await strict?.stop();
    await live?.stop();
    await db?.close();
  });

  it("HTTP: queries are public, mutations need an operator (UNAUTHENTICATED 401 / FORBIDDEN 403)", async () => {
    const anonymousQuery = await api.gql(QUERY);
    assert.equal(anonymousQuery.status, 200);
    assert.equal(typeof anonymousQuery.body.data.topics.totalCount, "number");

    const anonymous = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: CREATE }) });
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal(((await anonymous.json()) as any).errors[0].extensions.code, "UNAUTHENTICATED");

    const viewer = await api.gql(CREATE, undefined, bearer(VIEWER_KEY));
    assert.equal(viewer.status, 403);
    assert.equal(code(viewer), "FORBIDDEN");
    assert.match(viewer.body.errors[0].message, /operator/);

    for (const headers of [bearer(OPERATOR_KEY), { "x-api-key": OPERATOR_KEY }, bearer(await signToken({ role: "operator" })), bearer(await signToken({ role: "operator", alg: "RS256" }))]) {
      const ok = await api.gql(CREATE, undefined, headers);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.ok(ok.body.data.createTopic.id);
    }
    assert.equal(code(await api.gql(CREATE, undefined, bearer(await signToken({ role: "viewer" })))), "FORBIDDEN");
    assert.equal(code(await api.gql(CREATE, undefined, bearer(await signToken({ role: "admin" })))), "FORBIDDEN");
  });

  it("HTTP: a wrong, malformed or expired credential is refused even for a public query", async () => {
    for (const headers of [
      bearer("not-a-key"),
      { "x-api-key": "nope" },
      { authorization: "Basic b3A6a2V5" },
      bearer(await signToken({ role: "operator", expiresIn: -10 })),
      bearer(await signToken({ role: "operator", secret: "some-other-secret-of-at-least-32-chars" })),
    ]) {
      const res = await api.gql(QUERY, undefined, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(code(res), "UNAUTHENTICATED");
      assert.equal(res.body.data, undefined);
    }
  });

  it("AUTH_QUERIES=required: anonymous queries are refused, viewers read", async () => {
    const res = await strict.gql(QUERY);
    assert.equal(res.status, 401);
    assert.equal(code(res), "UNAUTHENTICATED");
    const viewer = await strict.gql(QUERY, undefined, bearer(VIEWER_KEY));
    assert.equal(viewer.status, 200);
    assert.equal(typeof viewer.body.data.topics.totalCount, "number");
  });

  it("graphql-ws: no or a bad credential closes with 4401, a credential without a role with 4403", async () => {
    for (const payload of [undefined, {}, { authorization: "Bearer wrong" }, { authorization: `Bearer ${await signToken({ role: "viewer", expiresIn: -5 })}` }, { authorization: 7 }]) {
      const s = rawSocket(api.url, payload);
      assert.equal(await s.acked, false, JSON.stringify(payload));
      assert.equal((await s.closed).code, 4401, JSON.stringify(payload));
    }
    const roleless = rawSocket(api.url, { authorization: `Bearer ${await signToken({ role: "root" })}` });
    assert.equal(await roleless.acked, false);
    assert.equal((await roleless.closed).code, 4403);
  });

  it("graphql-ws: viewers subscribe and query but may not mutate over the socket", async () => {
    const s = rawSocket(api.url, bearer(VIEWER_KEY));
    assert.equal(await s.acked, true);
    s.send({ id: "1", type: "subscribe", payload: { query: SUBSCRIBE } });
    s.send({ id: "2", type: "subscribe", payload: { query: QUERY } });
    s.send({ id: "3", type: "subscribe", payload: { query: CREATE } });
    await until(() => `the replies (${JSON.stringify(s.messages)})`, () => s.messages.some((m) => m.id === "3") && s.messages.some((m) => m.id === "2" && m.type === "complete"), 5000);
    assert.ok(s.messages.some((m) => m.id === "2" && m.type === "next" && typeof m.payload.data.topics.totalCount === "number"));
    const denied = s.messages.find((m) => m.id === "3");
    assert.equal(denied.type, "error");
    assert.equal(denied.payload[0].extensions.code, "FORBIDDEN");
    assert.ok(!s.messages.some((m) => m.id === "1" && m.type === "error"), "the subscription was accepted");
    s.socket.close();
  });

  it("graphql-ws: an operator may mutate over the socket; a JWT's socket closes with 4401 when it expires", async () => {
    const op = rawSocket(api.url, { "x-api-key": OPERATOR_KEY });
    assert.equal(await op.acked, true);
    op.send({ id: "m", type: "subscribe", payload: { query: CREATE } });
    await until("the reply", () => op.messages.some((m) => m.id === "m"), 5000);
    assert.ok(op.messages.find((m) => m.id === "m").payload.data.createTopic.id);
    op.socket.close();

    // exp has whole-second precision: the token ends within 1–2 s.
    const token = await signToken({ role: "viewer", expiresIn: 2 });
    const started = Date.now();
    const s = rawSocket(api.url, bearer(token));
    assert.equal(await s.acked, true);
    s.send({ id: "1", type: "subscribe", payload: { query: SUBSCRIBE } });
    const closed = await s.closed;
    assert.equal(closed.code, 4401);
    assert.match(closed.reason, /expired/);
    const lasted = Date.now() - started;
    assert.ok(lasted >= 900 && lasted < 3500, `closed after ${lasted} ms`);
  });
});
