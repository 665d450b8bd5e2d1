/** Query cost and the rate limiter without a server. */
import "reflect-metadata";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getOperationAST, parse } from "graphql";
import { operationCost } from "../../src/graphql/query-cost.js";
import { RateLimiter } from "../../src/graphql/rate-limiter.js";
import { buildApiSchema } from "../../src/graphql/schema.js";

describe("limits (unit)", () => {
  it("costs an operation by the objects it may load, page sizes multiplied along each path", async () => {
    const schema = await buildApiSchema();
    const cost = (q: string, vars?: Record<string, unknown>) => {
      const doc = parse(q);
      return operationCost(schema, doc, getOperationAST(doc)!, vars);
    };
    assert.equal(cost(`{ epochStateCounts { state count } }`), 1);
    assert.equal(cost(`{ topic(id: "1") { id active } }`), 1);
    // connection 1 + edges 10 + node 10
    assert.equal(cost(`{ epochs(first: 10) { edges { node { state } } } }`), 21);
    // default page 50; `first` beyond the cap counts as 500; variables are read
    assert.equal(cost(`{ epochs { edges { node { state } } } }`), 101);
    assert.equal(cost(`{ epochs(first: 100000) { edges { node { state } } } }`), 1001);
    assert.equal(cost(`query($n: Int) { epochs(first: $n) { edges { node { state } } } }`, { n: 3 }), 7);
    assert.equal(cost(`query($n: Int) { epochs(first: $n) { edges { node { state } } } }`, { n: "x" }), 1001);
    // nested connections multiply: 1 + 500 + 500 + 500 (topic) + 500×(1 + 500 + 500)
    assert.equal(cost(`{ epochs(first: 500) { edges { node { topic { epochs(first: 500) { edges { node { state } } } } } } } }`), 1 + 1500 + 500 * 1001);
    // fragments count like inline selections
    assert.equal(cost(`{ epochs(first: 10) { ...F } } fragment F on EpochConnection { edges { node { state } } }`), 21);
  });

  it("rate limiter: a burst, then the refill rate, one bucket per client", () => {
    let now = 0;
    const rl = new RateLimiter({ burst: 3, perSecond: 2 }, () => now);
    assert.deepEqual([rl.take("a"), rl.take("a"), rl.take("a")], [0, 0, 0]);
    assert.equal(rl.take("a"), 500);
    assert.equal(rl.take("b"), 0);
    now = 500;
    assert.equal(rl.take("a"), 0);
    assert.ok(rl.take("a") > 0);
    now = 100_000;
    assert.deepEqual([rl.take("a"), rl.take("a"), rl.take("a"), rl.take("a") > 0], [0, 0, 0, true]);
  });

  it("rate limiter memory stays bounded under many clients", () => {
    let now = 0;
    const rl = new RateLimiter({ burst: 2, perSecond: 1 }, () => now, 100);
    for (let i = 0; i < 10_000; i++) {
      now += 1;
      rl.take(`c${i}`);
    }
    assert.ok((rl as unknown as { buckets: Map<string, unknown> }).buckets.size <= 100);
  });
});
