/**
 * kill -9 of a worker in the middle of a job: another worker finishes it within 10 s, and no
 * transition is lost or applied twice.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { EpochState, Task, epochJobKey } from "../../src/domain/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { assertLifecycleLog } from "../helpers/lifecycle-assertions.js";
import { epochLog, lifecycleFor, pendingJobs, waitFor } from "../helpers/lifecycle.js";
import { spawnWorker } from "../helpers/worker-process.js";

describe("worker crash", () => {
  let db: TestDatabase;
  let lc: ReturnType<typeof lifecycleFor>;
  before(async () => {
    db = await createTestDatabase();
    lc = lifecycleFor(db);
  });
  after(() => db.close());

  it("a job held by a SIGKILLed worker is finished by a surviving one within 10 s, exactly once", async () => {
    const workers = await Promise.all([spawnWorker(db.url), spawnWorker(db.url)]);
    const topic = await lc.commands.createTopic({ epochLength: 2, workerSubmissionWindow: 1, groundTruthLag: 2 });
    const epoch = await lc.commands.startEpoch(topic.id);

    // Hold the epoch's row so worker A gets stuck inside the close-worker-window job.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query(`SELECT 1 FROM epoch WHERE topic_id = u64_encode($1::numeric) AND nonce = u64_encode($2::numeric) FOR UPDATE`, [
      `${epoch.topicId}`,
      `${epoch.nonce}`,
    ]);
    const key = epochJobKey(Task.CLOSE_WORKER_WINDOW, epoch.topicId, epoch.nonce);
    const holder = await waitFor("a worker holds the job", async () => (await pendingJobs(db)).find((j) => j.key === key)?.locked_by ?? undefined);
    const a = workers.find((w) => w.poolId === holder)!;
    const b = workers.find((w) => w !== a)!;
    await sleep(Math.max(0, epoch.windows.workerCloseAt - Date.now()) + 200); // A is now waiting on the row lock

    await a.kill();
    const killedAt = Date.now();
    assert.equal((await lc.store.epochs.get(db.prisma, epoch))?.state, EpochState.WORKER_SUBMISSION, "nothing applied while the row was held");
    await blocker.query("COMMIT");
    await blocker.end();
    // A's write may still commit: a statement it sent keeps running on the server after its client
    // died (a transaction A had opened instead rolls back). Either way B runs A's released job, which
    // applies the step or finds it applied; the log below shows it exactly once.

    await waitFor("the stuck step applied", async () => (await lc.store.epochs.get(db.prisma, epoch))?.state !== EpochState.WORKER_SUBMISSION, 10_000);
    const recoveredIn = Date.now() - killedAt;
    assert.ok(recoveredIn < 10_000, `recovered in ${recoveredIn} ms`);
    assert.equal((await epochLog(lc, topic.id, epoch.nonce)).at(-1)?.at.getTime()! >= killedAt, true);

    // A worker started after the crash also joins in (and nothing runs twice).
    const c = await spawnWorker(db.url);

    await waitFor("epoch completed", async () => (await lc.store.epochs.get(db.prisma, epoch))?.state === EpochState.COMPLETED, 15_000);
    await waitFor("queue drained", async () => (await pendingJobs(db)).length === 0);
    assertLifecycleLog((await lc.store.epochs.get(db.prisma, epoch))!, await epochLog(lc, topic.id, epoch.nonce), { openedByApi: true });
    await Promise.all([b.stop(), c.stop()]);
  });
});
