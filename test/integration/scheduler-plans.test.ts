/**
 * The set-based executor carries out the domain's plans: for epochs in every state with windows
 * around an instant, one scheduler round writes exactly the transitions `planEpoch` says are due,
 * in lifecycle order per epoch, and leaves each epoch where the plan leaves it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EpochRecord } from "../../src/app/records.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { EpochState, TransitionSource, applyTransition, computeWindows, planEpoch, type EpochWindows } from "../../src/domain/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { epochLog, lifecycleFor } from "../helpers/lifecycle.js";

const SETTINGS = { epochLength: 60, groundTruthLag: 90, workerSubmissionWindow: 10 };
const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const LIVE = [EpochState.WORKER_SUBMISSION, EpochState.WAITING_GROUND_TRUTH, EpochState.REPUTER_SUBMISSION, EpochState.PENDING_COMPLETION];

/** A small seeded PRNG, so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe("scheduler round = domain plans", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("applies exactly planEpoch's transitions to 120 epochs in random states and windows, with batches of 7", async () => {
    const lc = lifecycleFor(db, () => T0, { config: { WORKER_BATCH_SIZE: 7 } });
    const store = new LifecycleStore(db.prisma);
    const rand = prng(20261204);
    const now = T0 + 600_000;
    const epochs: { epoch: EpochRecord; windows: EpochWindows }[] = [];
    for (let t = 1n; t <= 4n; t++) {
      await store.topics.create(db.prisma, { id: t, ...SETTINGS });
      for (let i = 0; i < 30; i++) {
        // Starts from 12 min before `now` to 1 min after it: some epochs owe every step, some none.
        const start = now - 720_000 + Math.floor(rand() * 780_000);
        const { epoch: started } = await store.startEpoch(t, start, TransitionSource.API);
        // Bring it (through the API's path) to a random live state.
        const target = LIVE[Math.floor(rand() * LIVE.length)]!;
        let epoch = started;
        for (const s of [1, 2, 3] as const) {
          if (epoch.state >= target) break;
          epoch = (await store.applyTransition({ ...epoch, transition: s, source: TransitionSource.API, dueAt: null })).epoch;
        }
        epochs.push({ epoch, windows: computeWindows(SETTINGS, start) });
      }
    }
    const logBefore = new Map<string, number>();
    for (const { epoch } of epochs) logBefore.set(`${epoch.topicId}/${epoch.nonce}`, (await epochLog(lc, epoch.topicId, epoch.nonce)).length);

    const applied = await lc.scheduler.runDue(now, await lc.scheduler.dueInstants());

    let planned = 0;
    for (const { epoch, windows } of epochs) {
      const plan = planEpoch(epoch, now);
      planned += plan.apply.length;
      const log = (await epochLog(lc, epoch.topicId, epoch.nonce)).slice(logBefore.get(`${epoch.topicId}/${epoch.nonce}`));
      const label = `${epoch.topicId}/${epoch.nonce} from ${EpochState[epoch.state]}`;
      assert.deepEqual(
        log.map((r) => ({ transition: r.transition, from: r.from, to: r.to, dueAt: r.dueAt?.getTime(), source: r.source })),
        plan.apply.map((p) => ({ transition: p.transition, from: p.from, to: p.to, dueAt: p.dueAt, source: TransitionSource.SCHEDULER })),
        label,
      );
      const expected = plan.apply.reduce((e, p) => applyTransition(e, p.transition).epoch, epoch);
      const now_ = (await store.epochs.get(db.prisma, epoch))!;
      assert.deepEqual([now_.state, now_.version, now_.windows], [expected.state, expected.version, windows], label);
    }
    assert.equal(applied, planned);
    assert.ok(planned > 100, `the sample owes work (${planned} transitions)`);
    // A second round at the same instant finds nothing due.
    assert.equal(await lc.scheduler.runDue(now, await lc.scheduler.dueInstants()), 0);
  });
});
