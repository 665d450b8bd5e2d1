/**
 * CI smoke run of the scheduler throughput benchmark (bench/throughput.ts) at tiny sizes: the raw
 * statement loop and a worker process each take every overdue epoch through its four remaining
 * transitions exactly once (the bench checks the log and throws otherwise), one ramp level runs to
 * the end, and nothing is written to RESULTS.md. Timing is never asserted.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { main as throughput } from "../../bench/throughput.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const RESULTS = path.resolve(import.meta.dirname, "../../bench/RESULTS.md");

describe("bench smoke run (throughput)", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  it("runs overdue lifecycles to the end exactly once, raw and by a worker, and a ramp level", async () => {
    const before = await readFile(RESULTS, "utf8");
    const result = await throughput({ epochs: 100, rates: [200], levelS: 4, serverUrl: db.url, record: false });
    assert.equal(result.rawTransitions, 400);
    assert.equal(result.transitions, 400);
    assert.ok(result.rawPerS > 0 && result.transitionsPerS > 0 && Number.isFinite(result.ratio));
    assert.equal(result.levels.length, 1);
    assert.equal(result.levels[0]!.finished, true);
    assert.ok(result.levels[0]!.lateness.n > 0);
    assert.equal(await readFile(RESULTS, "utf8"), before, "a smoke run records nothing");
  });
});
