/**
 * CI smoke run of the response-cache benchmark (bench/response-cache.ts) for correctness only:
 * every configuration answers both queries with the verified body, the writer commits, and nothing
 * is written to RESULTS.md. Timing and the goals are never asserted.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { main as responseCacheBench } from "../../bench/response-cache.js";

const RESULTS = path.resolve(import.meta.dirname, "../../bench/RESULTS.md");

describe("bench smoke run (response-cache)", { timeout: 180_000 }, () => {
  it("measures three configurations, quiet and under writes, with no failed response, and records nothing", async () => {
    const before = await readFile(RESULTS, "utf8");
    const { results, verdict } = await responseCacheBench({ seconds: 1, record: false, adminUrl: process.env.TEST_ADMIN_URL });
    assert.equal(results.size, 9);
    for (const [name, r] of results) {
      assert.equal(r.failures, 0, `${name}: failed or mismatched responses`);
      assert.ok(r.requests > 0, `${name}: requests answered`);
    }
    assert.equal(verdict.length, 3);
    assert.equal(await readFile(RESULTS, "utf8"), before);
  });
});
