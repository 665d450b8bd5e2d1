/** Three worker processes on one database run every transition exactly once. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { computeWindows } from "../../src/domain/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { assertLifecycleLog } from "../helpers/lifecycle-assertions.js";
import { epochLog, lifecycleFor, pendingJobs, waitFor } from "../helpers/lifecycle.js";
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
    const topics = [];
    for (let i = 0; i < 4; i++) topics.push(await lc.commands.createTopic({ ...settings, active: true }));
    await sleep(4500);
    for (const t of topics) await lc.commands.deactivateTopic(t.id);
    await waitFor("queue drained", async () => (await pendingJobs(db)).length === 0);

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
});
