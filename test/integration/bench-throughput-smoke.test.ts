/**
 * CI smoke run of the scheduler throughput benchmark (bench/throughput.ts) at tiny sizes: the raw
 * no-op jobs all run, every overdue epoch goes through its four remaining transitions exactly once
 * (the bench checks the log and throws otherwise), and nothing is written to RESULTS.md. Timing is
 * never asserted.
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

  it("runs raw jobs and overdue lifecycles to the end, exactly once each", async () => {
    const before = await readFile(RESULTS, "utf8");
    const result = await throughput({ jobs: 200, epochs: 100, serverUrl: db.url, record: false });
    assert.equal(result.jobs, 200);
    assert.equal(result.transitions, 400);
    assert.ok(result.rawJobsPerS > 0 && result.transitionsPerS > 0 && Number.isFinite(result.ratio));
    assert.equal(await readFile(RESULTS, "utf8"), before, "a smoke run records nothing");
  });
});
