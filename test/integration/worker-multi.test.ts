/** Three worker processes on one database run every transition exactly once. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TopicRecord } from "../../src/app/records.js";
import { computeWindows } from "../../src/domain/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { assertLifecycleLog } from "../helpers/lifecycle-assertions.js";
import { dueBacklog, epochLog, lifecycleFor, waitFor } from "../helpers/lifecycle.js";
import { liveEpochCount } from "../helpers/lifecycle-audit.js";
import { assertOverdueAppliedOnce, insertOverdueEpochs, overdueProgress } from "../helpers/overdue-epochs.js";
import { spawnWorker } from "../helpers/worker-process.js";

describe("several workers", () => {
  let db: TestDatabase;
  let lc: ReturnType<typeof lifecycleFor>;
  before(async () => {
    db = await createTestDatabase();
    lc = lifecycleFor(db);
  });
  after(() => db.close());

  it("3 processes share the work; each transition and each periodic start happens once", async () => {
    const workers = await Promise.all([spawnWorker(db.url), spawnWorker(db.url), spawnWorker(db.url)]);
    const settings = { epochLength: 1, workerSubmissionWindow: 1, groundTruthLag: 1 };
    const topics: TopicRecord[] = [];
    for (let i = 0; i < 4; i++) topics.push(await lc.commands.createTopic({ ...settings, active: true }));
    const started = async (topicId: bigint) => (await lc.store.epochs.list(db.prisma, { topicId }, { limit: 100 })).length;
    await waitFor("three epochs of every topic", async () => (await Promise.all(topics.map((t) => started(t.id)))).every((n) => n >= 3), 30_000);
    for (const t of topics) await lc.commands.deactivateTopic(t.id);
    await waitFor("every epoch finished", async () => (await liveEpochCount(db.prisma)) === 0);
    assert.equal(await dueBacklog(db), 0);

    for (const topic of topics) {
      const anchor = topic.activatedAt!.getTime();
      const epochs = (await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 100 })).reverse();
      const periods = epochs.map((e) => (e.windows.workerOpenAt - anchor) / 1000);
      assert.ok(epochs.length >= 3, `topic ${topic.id}: epochs at +${periods.join(", +")} s`);
      // Aligned to activation + n·epochLength and never two for one period. (A period is skipped only
      // when its start ran more than a period late — the catch-up rule — which a loaded CI box allows.)
      assert.ok(periods.every((p, i) => Number.isInteger(p) && (i === 0 ? p === 0 : p > periods[i - 1]!)), `topic ${topic.id}: +${periods.join(", +")} s`);
      for (const [n, epoch] of epochs.entries()) {
        assert.deepEqual(epoch.windows, computeWindows(settings, anchor + periods[n]! * 1000));
        assertLifecycleLog(epoch, await epochLog(lc, topic.id, epoch.nonce), { openedByApi: n === 0 });
      }
    }
    await Promise.all(workers.map((w) => w.stop()));
  });

  it("3 processes drain 3,000 overdue epochs in small batches side by side; each step once", async () => {
    const backlog = await insertOverdueEpochs(db.prisma, { topics: 6, perTopic: 500 });
    // Small batches: many statements of the three workers contend for the same due rows.
    const workers = await Promise.all([1, 2, 3].map(() => spawnWorker(db.url, { WORKER_BATCH_SIZE: "25" })));
    await waitFor("the backlog applied", async () => (await overdueProgress(db.prisma, backlog)).completed === backlog.count, 60_000, 100);
    await assertOverdueAppliedOnce(db.prisma, backlog);
    // A batch is one statement in its own transaction (one txid).
    const [shared] = await db.prisma.$queryRaw<{ batches: number; biggest: number }[]>`
      SELECT count(*)::int AS batches, max(n)::int AS biggest FROM (SELECT count(*) AS n FROM transition_record GROUP BY txid) b`;
    assert.ok(shared!.batches >= (backlog.count * 4) / 25, `${shared!.batches} batches`);
    assert.equal(shared!.biggest, 25, "no batch larger than WORKER_BATCH_SIZE");
    await Promise.all(workers.map((w) => w.stop()));
  });
});
