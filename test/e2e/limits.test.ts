/**
 * Request limits on a real server: query depth, aliases, tokens, directives and cost
 * (QUERY_TOO_COMPLEX, HTTP and graphql-ws), per-client rate limiting (RATE_LIMITED), body size,
 * introspection and playground switches, CSRF prevention, and the database statement timeout.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAuthenticator } from "../../src/auth/authenticator.js";
import { createDatabaseClient } from "../../src/db/prisma-client.js";
import { DEFAULT_QUERY_LIMITS } from "../../src/graphql/query-limits.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { API_KEYS, OPERATOR_KEY, VIEWER_KEY, bearer } from "../helpers/credentials.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { rawSocket } from "../helpers/ws-client.js";
import { until } from "../helpers/until.js";

const code = (res: { body: any }) => res.body?.errors?.[0]?.extensions?.code;

function nested(depth: number): string {
  // topic → epochs → edges → node → topic → …: one level per field.
  let q = "id";
  for (let i = 0; i < depth - 1; i++) q = i % 2 === 0 ? `topic { ${q} }` : `epoch { ${q} }`;
  return `{ transitions(first: 1) { edges { node { ${q} } } } }`;
}

describe("request limits (e2e)", () => {
  let db: TestDatabase;
  let api: TestApi;
  before(async () => {
    db = await createTestDatabase();
    api = await startTestApi({ db });
  });
  after(async () => {
    await api?.stop();
    await db?.close();
  });

  it("refuses documents over the depth, alias, token, directive and cost limits with QUERY_TOO_COMPLEX", async () => {
    const L = DEFAULT_QUERY_LIMITS;
    const cases: [string, string, RegExp][] = [
      ["depth", `{ topics { edges { node { epochs { edges { node { topic { epochs { edges { node { topic { epochs { edges { node { state } } } } } } } } } } } } } } }`, /depth limit/],
      ["aliases", `{ ${Array.from({ length: L.maxAliases + 1 }, (_, i) => `a${i}: epochStateCounts { count }`).join(" ")} }`, /Aliases limit/i],
      ["tokens", `{ epochStateCounts { ${"count ".repeat(L.maxTokens)} } }`, /tokens/],
      ["directives", `{ epochStateCounts { count ${"@include(if: true) ".repeat(L.maxDirectives + 1)} } }`, /Directives limit/i],
      ["cost", `{ topics(first: 500) { edges { node { epochs(first: 500) { edges { node { state } } } } } } }`, /cost limit/],
    ];
    for (const [what, query, message] of cases) {
      const res = await api.gql(query);
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(code(res), "QUERY_TOO_COMPLEX", `${what}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.errors[0].message, message, what);
    }
    // Cost reads variables: the same document is fine with small pages and refused with large ones.
    const byVars = `query($a: Int, $b: Int) { topics(first: $a) { edges { node { epochs(first: $b) { edges { node { state } } } } } } }`;
    assert.equal((await api.gql(byVars, { a: 10, b: 10 })).status, 200);
    assert.equal(code(await api.gql(byVars, { a: 500, b: 500 })), "QUERY_TOO_COMPLEX");
    // Within every limit: a realistic dashboard query passes.
    const ok = await api.gql(`{ epochs(first: 500) { edges { node { topic { id } transitions(first: 40) { edges { node { at } } } } } } }`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(!nested(5).includes("undefined"));
  });

  it("applies the same limits to graphql-ws operations", async () => {
    const s = rawSocket(api.url, {});
    assert.equal(await s.acked, true);
    s.send({ id: "d", type: "subscribe", payload: { query: `subscription { epochTransitioned { epoch { topic { epochs { edges { node { topic { epochs { edges { node { topic { epochs { totalCount } } } } } } } } } } } } }` } });
    s.send({ id: "c", type: "subscribe", payload: { query: `query($n: Int) { topics(first: $n) { edges { node { epochs(first: $n) { edges { node { state } } } } } } }`, variables: { n: 500 } } });
    s.send({ id: "t", type: "subscribe", payload: { query: `{ ${"a: epochStateCounts { count } ".repeat(400)} }` } });
    s.send({ id: "p", type: "subscribe", payload: { query: `{ {` } });
    await until(() => `the replies (${JSON.stringify(s.messages)})`, () => ["d", "c", "t", "p"].every((id) => s.messages.some((m) => m.id === id)), 5000);
    for (const id of ["d", "c", "t"]) {
      const m = s.messages.find((x) => x.id === id);
      assert.equal(m.type, "error", `${id}: ${JSON.stringify(m)}`);
      assert.equal(m.payload[0].extensions.code, "QUERY_TOO_COMPLEX", `${id}: ${JSON.stringify(m)}`);
    }
    assert.equal(s.messages.find((x) => x.id === "p").payload[0].extensions.code, "GRAPHQL_PARSE_FAILED");
    s.socket.close();
  });

  it("rate-limits per client (API key, else IP) with RATE_LIMITED, 429 and Retry-After; subscribes count too", async () => {
    const limited = await startTestApi({
      db,
      // A slow refill (one token per 20 s), so a loaded machine cannot refill the bucket mid-test.
      security: { rateLimit: { burst: 5, perSecond: 0.05 }, authenticator: await createAuthenticator({ apiKeys: API_KEYS }) },
    });
    try {
      const q = `{ epochStateCounts { count } }`;
      const anon = [];
      for (let i = 0; i < 6; i++) anon.push(await limited.gql(q));
      assert.deepEqual(anon.map((r) => r.status), [200, 200, 200, 200, 200, 429]);
      assert.equal(code(anon[5]!), "RATE_LIMITED");
      const raw = await fetch(`${limited.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: q }) });
      assert.equal(raw.status, 429);
      const retryAfter = Number(raw.headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 20, `Retry-After ${retryAfter}`);
      // Another client (an API key) has its own bucket; wrong keys are charged to the IP.
      assert.equal((await limited.gql(q, undefined, bearer(VIEWER_KEY))).status, 200);
      assert.equal((await limited.gql(q, undefined, bearer(OPERATOR_KEY))).status, 200);
      assert.equal(code(await limited.gql(q, undefined, bearer("guess"))), "RATE_LIMITED");
      // graphql-ws: the connection costs a token, and each subscribe one more.
      const s = rawSocket(limited.url, bearer(VIEWER_KEY));
      assert.equal(await s.acked, true);
      for (let i = 0; i < 6; i++) s.send({ id: String(i), type: "subscribe", payload: { query: q } });
      await until(() => `the replies (${JSON.stringify(s.messages)})`, () => s.messages.some((m) => m.type === "error"), 5000);
      assert.equal(s.messages.find((m) => m.type === "error").payload[0].extensions.code, "RATE_LIMITED");
      s.socket.close();
    } finally {
      await limited.stop();
    }
  });

  it("limits the body size (configurable) with 413, never a 5xx", async () => {
    const small = await startTestApi({ db, security: { maxBodyBytes: 2048 } });
    try {
      const big = await small.post(JSON.stringify({ query: `{ epochStateCounts { count } }`, variables: { pad: "x".repeat(4000) } }));
      assert.equal(big.status, 413);
      assert.ok(big.body.errors[0].extensions.code);
      assert.equal((await small.gql(`{ epochStateCounts { count } }`)).status, 200);
      // Beyond node's header limit: answered by the HTTP parser hook, still JSON with a code.
      const long = await fetch(`${small.url}/graphql?query=${"x".repeat(20_000)}`, { headers: { "apollo-require-preflight": "1" } });
      assert.equal(long.status, 431);
      assert.equal(((await long.json()) as any).errors[0].extensions.code, "BAD_REQUEST");
    } finally {
      await small.stop();
    }
  });

  it("introspection and the playground can be switched off", async () => {
    const closed = await startTestApi({ db, security: { introspection: false, playground: false } });
    try {
      const res = await closed.gql(`{ __schema { types { name } } }`);
      assert.equal(res.status, 400);
      assert.equal(code(res), "GRAPHQL_VALIDATION_FAILED");
      assert.match(res.body.errors[0].message, /introspection/i);
      const s = rawSocket(closed.url, {});
      assert.equal(await s.acked, true);
      s.send({ id: "i", type: "subscribe", payload: { query: `{ __type(name: "Epoch") { name } }` } });
      await until("the reply", () => s.messages.some((m) => m.id === "i"), 5000);
      assert.equal(s.messages.find((m) => m.id === "i").type, "error");
      s.socket.close();
      const page = await fetch(`${closed.url}/`, { headers: { accept: "text/html" } });
      assert.equal(page.status, 404);
      const gqlPage = await fetch(`${closed.url}/graphql`, { headers: { accept: "text/html" } });
      assert.doesNotMatch(gqlPage.headers.get("content-type") ?? "", /html/);
      // …while the defaults keep them on.
      assert.equal((await api.gql(`{ __type(name: "Epoch") { name } }`)).body.data.__type.name, "Epoch");
      assert.match((await fetch(`${api.url}/`, { headers: { accept: "text/html" } })).headers.get("content-type") ?? "", /html/);
    } finally {
      await closed.stop();
    }
  });

  it("CSRF prevention: GET and simple POST requests need a preflight-forcing header", async () => {
    const q = encodeURIComponent(`{ epochStateCounts { count } }`);
    const noHeader = await fetch(`${api.url}/graphql?query=${q}`);
    assert.equal(noHeader.status, 400);
    assert.match(await noHeader.text(), /CSRF/);
    assert.equal((await fetch(`${api.url}/graphql?query=${q}`, { headers: { "apollo-require-preflight": "true" } })).status, 200);
    const form = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ query: `{ epochStateCounts { count } }` }) });
    assert.equal(form.status, 400);
    const multipart = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "query=%7B__typename%7D" });
    assert.equal(multipart.status, 400);
  });

  it("the API's pool cancels statements running past DB_STATEMENT_TIMEOUT_MS", async () => {
    const { prisma } = createDatabaseClient(db.url, { max: 2, statementTimeoutMs: 200 });
    try {
      const started = Date.now();
      await assert.rejects(prisma.$queryRawUnsafe("SELECT pg_sleep(5)"), /statement timeout|57014/);
      assert.ok(Date.now() - started < 3000);
      const [row] = await prisma.$queryRawUnsafe<{ statement_timeout: string }[]>("SHOW statement_timeout");
      assert.equal(row!.statement_timeout, "200ms");
    } finally {
      await prisma.$disconnect();
    }
  });
});
