import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EpochState } from "../../src/domain/index.js";
import { ResponseCache } from "../../src/graphql/response-cache.js";
import { parseCommitNotice } from "../../src/app/commit-notice.js";

const scope = [{ state: EpochState.WORKER_SUBMISSION, topic: "7" }];
const result = { data: { n: 1 } };

describe("response cache", () => {
  it("lets requests for a key being computed wait for its answer", async () => {
    const cache = new ResponseCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.setListening(true);
    assert.equal(cache.get("k"), null);
    const pending = cache.begin("k", scope)!;
    const waiting = cache.get("k");
    assert.ok(waiting instanceof Promise);
    cache.complete(pending, result);
    assert.deepEqual(await waiting, result);
    assert.deepEqual(cache.get("k"), result);
  });

  it("tells waiters to execute themselves when a notice drops the answer being computed, and does not keep it", async () => {
    const cache = new ResponseCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.setListening(true);
    const pending = cache.begin("k", scope)!;
    const waiting = cache.get("k");
    cache.invalidate(parseCommitNotice("v1;0,1;7"));
    assert.equal(await waiting, null);
    cache.complete(pending, result);
    assert.equal(cache.get("k"), null);
  });

  it("expires answers after the TTL, drops failed ones and the oldest beyond its size", async () => {
    let now = 0;
    const cache = new ResponseCache({ ttlMs: 1000, maxEntries: 2, now: () => now });
    cache.setListening(true);
    cache.complete(cache.begin("a", scope)!, result);
    now = 999;
    assert.deepEqual(cache.get("a"), result);
    now = 1000;
    assert.equal(cache.get("a"), null);
    const failed = cache.begin("b", scope)!;
    const waiting = cache.get("b");
    cache.complete(failed, null);
    assert.equal(await waiting, null);
    for (const k of ["c", "d", "e"]) cache.complete(cache.begin(k, scope)!, result);
    assert.equal(cache.size, 2);
    assert.equal(cache.get("c"), null);
  });

  it("keeps nothing while notices are not heard", () => {
    const cache = new ResponseCache({ ttlMs: 60_000, maxEntries: 10 });
    assert.equal(cache.begin("k", scope), null);
    cache.setListening(true);
    cache.complete(cache.begin("k", scope)!, result);
    cache.setListening(false);
    assert.equal(cache.get("k"), null);
  });
});
