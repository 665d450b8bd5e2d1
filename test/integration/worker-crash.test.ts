/**
 * kill -9 of a worker in the middle of a batch: the batch's statement (its own transaction) either
 * commits or rolls back as a whole, and another worker applies everything still due, so every step
 * of every epoch is applied exactly once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { dueBacklog, waitFor } from "../helpers/lifecycle.js";
import { assertOverdueAppliedOnce, insertOverdueEpochs, overdueProgress } from "../helpers/overdue-epochs.js";
import { spawnWorker } from "../helpers/worker-process.js";

describe("worker crash", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  /**
   * Scheduler statements (`like` their text) waiting for a lock: a batch stuck half-way. Read outside
   * the blocker's transaction, which would see one snapshot of pg_stat_activity.
   */
  const stuckBatches = async (like = "WITH due AS%") =>
    (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE ${like}`)[0]!.n;

  it("a batch held by a SIGKILLed worker commits or rolls back whole; a surviving worker applies the rest within 10 s, each step once", async () => {
    const backlog = await insertOverdueEpochs(db.prisma, { topics: 5, perTopic: 40 });
    // The log's table is locked so a worker's batch stops half-way: its epoch rows are locked and
    // updated, its log rows not yet written.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    after(() => blocker.end().catch(() => {})); // a failed test must not leave the lock held
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE transition_record IN SHARE MODE");

    const a = await spawnWorker(db.url, { WORKER_BATCH_SIZE: "50" });
    await waitFor("worker A's batch stuck half-way", async () => (await stuckBatches()) === 1);
    await a.kill();
    const b = await spawnWorker(db.url, { WORKER_BATCH_SIZE: "50" });
    // B skips the rows A's statement holds and takes the next ones; it is stuck on the same lock.
    await waitFor("worker B's batch stuck too", async () => (await stuckBatches()) === 2);
    assert.deepEqual(await overdueProgress(db.prisma, backlog), { completed: 0, records: 0, wrong: 0 }, "nothing applied while the log was locked");

    await blocker.query("COMMIT");
    const releasedAt = Date.now();
    await blocker.end();
    // A's statement may still commit: the server runs a statement whose client died until it
    // notices. Either way B takes whatever is still due; the audit shows every step exactly once.
    await waitFor("the backlog applied", async () => (await overdueProgress(db.prisma, backlog)).completed === backlog.count, 10_000, 50);
    const recoveredIn = Date.now() - releasedAt;
    assert.ok(recoveredIn < 10_000, `recovered in ${recoveredIn} ms`);
    await assertOverdueAppliedOnce(db.prisma, backlog);
    assert.equal(await dueBacklog(db), 0);
    await b.stop();
  });

  it("a worker killed inside a periodic-start transaction: it rolls back; another worker starts each topic's epoch once", async () => {
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    after(() => blocker.end().catch(() => {})); // a failed test must not leave the lock held
    const topics = 10;
    // Active topics whose next start is due now, with no epoch yet.
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO topic (id, epoch_length, ground_truth_lag, worker_submission_window, active, activated_at, next_start_at, updated_at)
       SELECT i - 9223372036854775808, 3600, 3600, 3600, true, now(), now(), now() FROM generate_series(2001, 2000 + $1::int) i`,
      topics,
    );
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE transition_record IN SHARE MODE");
    const a = await spawnWorker(db.url);
    // A has locked the due topics in its transaction and waits to write the log rows.
    await waitFor("worker A's start batch stuck half-way", async () => (await stuckBatches("%INSERT INTO epoch%")) === 1);
    await a.kill();
    const b = await spawnWorker(db.url);
    await blocker.query("COMMIT");
    await blocker.end();

    const started = async () => (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM epoch WHERE topic_id >= ${2001n - 9223372036854775808n}`)[0]!.n;
    await waitFor("every topic's epoch started", async () => (await started()) === topics, 10_000);
    const [log] = await db.prisma.$queryRaw<{ n: number; topics: number }[]>`
      SELECT count(*)::int AS n, count(DISTINCT topic_id)::int AS topics FROM transition_record WHERE topic_id >= ${2001n - 9223372036854775808n}`;
    assert.deepEqual(log, { n: topics, topics }, "one OPEN_WORKER_WINDOW per topic");
    assert.equal(await dueBacklog(db), 0);
    await b.stop();
  });
});
