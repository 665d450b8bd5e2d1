/**
 * Fragment fan-out against the pre-execution analysis (depth, aliases, directives, cost): its work
 * stays proportional to the document, counted as selection-set reads rather than timed, and a real
 * API process refuses such documents with QUERY_TOO_COMPLEX while staying responsive.
 */
import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { getOperationAST, parse, validate } from "graphql";
import { operationCost } from "../../src/graphql/query-cost.js";
import { assertOperationCost, DEFAULT_QUERY_LIMITS, queryLimitRules } from "../../src/graphql/query-limits.js";
import { buildApiSchema } from "../../src/graphql/schema.js";
import { fragmentFanOutAtLimit } from "../fixtures/hostile-corpus.js";
import { spawnApi } from "../helpers/api-process.js";
import { countingDocument } from "../helpers/counting-document.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { rawSocket } from "../helpers/ws-client.js";
import { until } from "../helpers/until.js";

const L = DEFAULT_QUERY_LIMITS;
/** (shape, levels) at the token limit; small fan-outs first, so a re-walking analysis fails fast. */
const CASES = [
  ...[2, 3, 4, 5, 6, 8].map((m) => ["flat", m] as const),
  ...[3, 4, 5, 6, 8].map((m) => ["nested", m] as const),
];

describe("document analysis under fragment fan-out (hostile)", () => {
  it("reads each selection set a bounded number of times: the work is linear in the tokens", async () => {
    const schema = await buildApiSchema();
    for (const [shape, m] of CASES) {
      const { query, k, tokens } = fragmentFanOutAtLimit(m, L.maxTokens, shape);
      assert.ok(tokens <= L.maxTokens && k >= 10, `${shape} m=${m}: k=${k}, ${tokens} tokens`);
      const counted = countingDocument(parse(query, { maxTokens: L.maxTokens }));
      validate(schema, counted.document, queryLimitRules(L));
      const operation = getOperationAST(counted.document)!;
      // Without a limit the walk has to cost the whole document, still once per fragment.
      const beforeWalk = counted.reads();
      operationCost(schema, counted.document, operation, {});
      const walked = counted.reads() - beforeWalk;
      assert.ok(walked <= tokens, `${shape} m=${m} k=${k}: the cost walker read ${walked} selection sets for ${tokens} tokens`);
      // Validation's own traversal, three graphql-armor rules and the walker: each reads a set about once.
      assert.ok(counted.reads() <= 5 * tokens, `${shape} m=${m} k=${k}: ${counted.reads()} selection-set reads for ${tokens} tokens`);
      assert.throws(() => assertOperationCost(schema, counted.document, operation, {}, L.maxCost), (e: Error) => e.name === "QueryTooComplexError" || /depth/.test(e.message));
    }
  });

  it("stops costing as soon as the limit is exceeded", async () => {
    const schema = await buildApiSchema();
    const counted = countingDocument(parse(`{ a: topics(first: 500) { edges { node { epochs(first: 500) { edges { node { state } } } } } } b: epochs { edges { node { state } } } c: epochs { edges { node { state } } } }`));
    const cost = operationCost(schema, counted.document, getOperationAST(counted.document)!, {}, { limit: 1000 });
    assert.ok(cost > 1000);
    // The first connection alone exceeds the limit: the sets of b and c are never read.
    assert.ok(counted.reads() <= 8, `read ${counted.reads()} selection sets`);
  });
});

describe("fan-out documents against a real server (hostile)", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("refuses every fan-out at the token limit with QUERY_TOO_COMPLEX, over HTTP and graphql-ws", async () => {
    const api = await spawnApi(db.url);
    const refused = CASES.map(([shape, m]) => fragmentFanOutAtLimit(m, L.maxTokens, shape).query);
    for (const query of refused) {
      const res = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as any;
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.errors?.[0]?.extensions?.code, "QUERY_TOO_COMPLEX", JSON.stringify(body));
    }
    const s = rawSocket(api.url);
    assert.equal(await s.acked, true);
    refused.forEach((query, i) => s.send({ id: `f${i}`, type: "subscribe", payload: { query } }));
    await until(() => `the replies (${JSON.stringify(s.messages)})`, () => refused.every((_, i) => s.messages.some((msg) => msg.id === `f${i}`)), 20_000);
    for (const msg of s.messages.filter((x) => x.id)) {
      assert.equal(msg.type, "error", JSON.stringify(msg));
      assert.equal(msg.payload[0].extensions.code, "QUERY_TOO_COMPLEX", JSON.stringify(msg));
    }
    s.socket.close();
    // Still answering.
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200);
    await api.stop();
  });
});
