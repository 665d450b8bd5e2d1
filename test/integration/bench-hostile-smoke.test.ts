/**
 * CI smoke run of the hostile-client benchmark (bench/hostile.ts) at tiny sizes: three phases on
 * real API processes, the workload commits transitions in each, the hostile clients connect (and
 * are either served or refused/closed by the server, both correct), and nothing is written to
 * RESULTS.md. Timing and the goals are never asserted.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { main as hostile } from "../../bench/hostile.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const RESULTS = path.resolve(import.meta.dirname, "../../bench/RESULTS.md");

describe("bench smoke run (hostile)", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  it("runs baseline, (a) and (b) against real API processes and records nothing", async () => {
    const before = await readFile(RESULTS, "utf8");
    const result = await hostile({
      phaseS: 2, warmupS: 1, mutationClients: 1, neverReaders: 2, subscriptionsPerReader: 3, heavy: 2, historyEpochs: 12,
      serverUrl: db.url, record: false, log: () => {},
    });
    assert.deepEqual(result.phases.map((p) => p.name), ["baseline", "a", "b"]);
    for (const p of result.phases) {
      assert.ok(p.transitions > 0 && p.transitionsPerS > 0, `${p.name}: transitions committed`);
      assert.ok(p.rssBeforeMb > 0 && p.rssPeakMb >= p.rssBeforeMb, `${p.name}: RSS sampled`);
    }
    assert.equal(result.phases[0]!.clients.count, 0);
    assert.deepEqual(result.phases.slice(1).map((p) => p.clients.count), [2, 2]);
    for (const p of result.phases.slice(1)) assert.equal(p.clients.acked, 2, `${p.name}: the viewer key is accepted`);
    // (b)'s readers either get events or are told no (refused or closed): never silence.
    const b = result.phases[2]!.clients;
    assert.ok(b.events > 0 || b.refused > 0 || Object.keys(b.closeCodes).length > 0, JSON.stringify(b));
    assert.deepEqual(result.goals.map((g) => g.phase), ["a", "b"]);
    assert.equal(await readFile(RESULTS, "utf8"), before, "a smoke run records nothing");
  });
});
