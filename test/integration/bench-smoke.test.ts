/**
 * CI smoke run of the query benchmarks (bench/): the generator at the tiny preset, then the query
 * comparison with 1 s runs. Asserts correctness only — the data is valid for the app, all servers
 * return identical rows, every response matched — never timing, and writes nothing to RESULTS.md.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { generateData, type GeneratedData } from "../../bench/data-generator.js";
import { PRESETS } from "../../bench/dataset-plan.js";
import { runQueryComparison } from "../../bench/queries.js";
import { ALL_STATES, EpochState, stateName } from "../../src/domain/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const RESULTS = path.resolve(import.meta.dirname, "../../bench/RESULTS.md");

describe("bench smoke run (tiny preset)", () => {
  let db: TestDatabase;
  let data: GeneratedData;
  let resultsBefore: string;
  before(async () => {
    resultsBefore = await readFile(RESULTS, "utf8");
    db = await createTestDatabase();
    data = await generateData(db.url, PRESETS.tiny, { progress: false });
  });
  after(() => db.close());

  it("generates the preset's rows, every state included, consistent with the log", async () => {
    const counts = await db.prisma.$queryRaw<{ topics: number; epochs: number; log: number }[]>`
      SELECT (SELECT count(*)::int FROM topic) AS topics, (SELECT count(*)::int FROM epoch) AS epochs, (SELECT count(*)::int FROM transition_record) AS log`;
    assert.deepEqual(counts[0], { topics: PRESETS.tiny.topics, epochs: PRESETS.tiny.epochs, log: data.transitions });
    for (const s of ALL_STATES) assert.ok(data.byState[stateName(s)]! > 0, `no epoch in ${stateName(s)}`);
    // Each epoch's state and version are what its log says (the FSM was replayed, nothing skipped).
    const drift = await db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM epoch e
      LEFT JOIN LATERAL (SELECT count(*)::int AS steps, (array_agg(to_state ORDER BY id DESC))[1] AS last FROM transition_record r
                         WHERE r.topic_id = e.topic_id AND r.nonce = e.nonce) l ON true
      WHERE e.version <> l.steps OR e.state <> coalesce(l.last, ${EpochState.INIT})`;
    assert.equal(drift[0]?.n, 0);
    // Topics' nonce counters cover their version-1 epochs.
    const counters = await db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM topic t WHERE t.last_nonce <> (SELECT max(nonce) FROM epoch e WHERE e.topic_id = t.id AND u64_decode(e.nonce) >= 72057594037927936)`;
    assert.equal(counters[0]?.n, 0);
  });

  it("our API, PostGraphile and raw SQL return identical open-window pages, and the bench runs", async () => {
    const figures = await runQueryComparison({ databaseUrl: db.url, connections: 10, durationS: 1, warmupS: 0, rounds: 1, log: () => {} });
    assert.equal(figures.length, 2);
    for (const f of figures) {
      assert.ok(f.rows > 0, `${f.label}: empty page`);
      assert.deepEqual(f.servers.map((s) => s.server), ["ours", "ours, no cache", "PostGraphile", "raw pg"]);
      for (const s of f.servers) assert.ok(s.requests > 0, `${f.label} ${s.server}: no requests completed`);
    }
    assert.equal(await readFile(RESULTS, "utf8"), resultsBefore, "the smoke run must not record results");
  });
});
