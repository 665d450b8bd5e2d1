/**
 * CI smoke run of the read-under-writes benchmark (bench/reads-under-writes.ts) at the tiny preset,
 * quiet and one write phase, 1 s runs. Correctness only: the servers return identical pages when
 * quiet, every response is a data answer under writes (the bench throws otherwise), mutations and
 * the worker commit transitions, and nothing is written to RESULTS.md. Timing is never asserted.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { generateData } from "../../bench/data-generator.js";
import { PRESETS } from "../../bench/dataset-plan.js";
import { runReadsUnderWrites } from "../../bench/reads-under-writes.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const RESULTS = path.resolve(import.meta.dirname, "../../bench/RESULTS.md");

describe("bench smoke run (reads-under-writes, tiny preset)", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await generateData(db.url, PRESETS.tiny, { progress: false });
  });
  after(() => db.close());

  it("measures all three servers quiet and under writes, every response checked", async () => {
    const before = await readFile(RESULTS, "utf8");
    const phases = await runReadsUnderWrites({ databaseUrl: db.url, connections: 10, durationS: 1, warmupS: 0, rounds: 1, settleS: 1, phases: [0, 30], log: () => {} });
    assert.deepEqual(phases.map((p) => p.target), [0, 30]);
    assert.equal(phases[0]!.commitsPerS, 0, "the quiet phase commits nothing");
    assert.ok(phases[1]!.commitsPerS > 0, "the write phase commits transitions");
    // Failed mutations are the write path's business (on a saturated host its pool can time out); the bench reports them.
    assert.ok(phases[1]!.writes, "the write load reported");
    for (const p of phases) {
      assert.equal(p.queries.length, 2);
      for (const q of p.queries) {
        assert.deepEqual(q.servers.map((s) => s.server), ["ours", "PostGraphile", "raw pg"]);
        for (const s of q.servers) assert.ok(s.requests > 0, `~${p.target} ${q.label} ${s.server}: no requests completed`);
      }
    }
    assert.equal(await readFile(RESULTS, "utf8"), before, "a smoke run records nothing");
  });
});
