/**
 * CI smoke run of the fan-out benchmark (bench/fanout.ts) at a tiny size, on the test server: both
 * cases on real API processes — identical subscribers of one document, and distinct subscribers
 * each following its own topic's `windowChanged` beside unfiltered dashboards. Asserts delivery
 * only (every transition reaches exactly the subscribers it concerns, no errors), never timing,
 * and that nothing is written to RESULTS.md.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { runFanout } from "../../bench/fanout.js";

const RESULTS = path.resolve(import.meta.dirname, "../../bench/RESULTS.md");

describe("bench smoke run (fanout)", { timeout: 180_000 }, () => {
  it("delivers every transition to exactly the subscribers it concerns, in both cases, and records nothing", async () => {
    const before = await readFile(RESULTS, "utf8");
    const result = await runFanout({
      cases: ["identical", "distinct"],
      subscribers: 4, transitions: 10, rate: 50,
      topicSubscribers: 6, dashboards: 2, distinctTransitions: 12, distinctRate: 100,
      serverUrl: process.env.TEST_ADMIN_URL!,
      record: false,
      log: () => {},
    });
    assert.equal(result.subscriberErrors, 0);
    assert.deepEqual(result.cases.map((c) => c.name), ["identical", "distinct"]);
    const [identical, distinct] = result.cases;
    assert.deepEqual(identical!.phases.map((p) => [p.received, p.expected]), [[10, 10], [40, 40]]);
    // 12 transitions over 6 topics: each to its topic's one subscriber and both dashboards.
    assert.deepEqual(distinct!.phases.map((p) => [p.received, p.expected]), [[36, 36]]);
    for (const c of result.cases) {
      assert.ok(c.pass.delivered);
      assert.ok(c.rssPeakMb > 0, `${c.name}: RSS sampled`);
      for (const p of c.phases) assert.ok(Number.isFinite(p.p99), `${c.name} ${p.label}: latencies measured`);
    }
    assert.equal(await readFile(RESULTS, "utf8"), before, "a smoke run records nothing");
  });
});
