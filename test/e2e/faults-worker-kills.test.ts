/**
 * kill -9 of scheduler worker processes at random moments while many short lifecycles run: every
 * epoch still ends COMPLETED, each step exactly once and in order, audited from the transition log.
 *
 * CI preset: 200 lifecycles, 20 kills (well under 2 minutes). A longer run, documented in docs/testing.md:
 *   FAULT_LIFECYCLES=5000 FAULT_KILLS=300 npx tsx test/run.ts faults-worker-kills
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { assertEveryEpochCompletedOnce, liveEpochCount, stopPeriodicStarts } from "../helpers/lifecycle-audit.js";
import { dueBacklog, lifecycleFor, waitFor } from "../helpers/lifecycle.js";
import { spawnWorker, type WorkerProcess } from "../helpers/worker-process.js";

function setting(name: string, fallback: number): number {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
}
const LIFECYCLES = setting("FAULT_LIFECYCLES", 200);
const KILLS = setting("FAULT_KILLS", 20);
/** Workers started; each killed one is replaced at once, and a kill waits until two are up. */
const WORKERS = 3;
/** Small batches, so a kill often lands while a batch is in flight (its statement commits or rolls back whole). */
const WORKER_ENV = { WORKER_BATCH_SIZE: "4" };
/** Very short lifecycles: 2 s (EL 1) and 5 s with an extra lag (EL 2, GTL 3): 8 starts per second. */
const SETTINGS = [
  ...Array.from({ length: 6 }, () => ({ epochLength: 1, workerSubmissionWindow: 1, groundTruthLag: 1 })),
  ...Array.from({ length: 4 }, () => ({ epochLength: 2, workerSubmissionWindow: 1, groundTruthLag: 3 })),
];
const STARTS_PER_SECOND = SETTINGS.reduce((a, s) => a + 1 / s.epochLength, 0);
const EXPECTED_MS = (LIFECYCLES / STARTS_PER_SECOND) * 1000;

describe("faults: workers killed with SIGKILL during lifecycles", { timeout: Math.max(300_000, EXPECTED_MS * 6) }, () => {
  let db: TestDatabase;
  let lc: ReturnType<typeof lifecycleFor>;
  before(async () => {
    db = await createTestDatabase();
    lc = lifecycleFor(db);
  });
  after(() => db.close());

  it(`${KILLS} kill -9 during ${LIFECYCLES} lifecycles: every epoch ends COMPLETED, each step once, in order`, async (t) => {
    const began = Date.now();
    const alive = new Set<WorkerProcess>(await Promise.all(Array.from({ length: WORKERS }, () => spawnWorker(db.url, WORKER_ENV))));
    const spawning = new Set<Promise<void>>();
    const replace = () => {
      const p: Promise<void> = spawnWorker(db.url, WORKER_ENV).then((w) => void alive.add(w)).finally(() => spawning.delete(p));
      spawning.add(p);
    };
    const topics = [];
    for (const s of SETTINGS) topics.push(await lc.commands.createTopic({ ...s, active: true }));
    const epochs = async () => (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM epoch`)[0]!.n;

    // Kill a running worker at random moments spread over the run, never the last one standing;
    // a replacement is started at once.
    let kills = 0;
    const meanGapMs = (0.8 * EXPECTED_MS) / KILLS;
    while (kills < KILLS || (await epochs()) < LIFECYCLES) {
      if (kills >= KILLS) {
        await sleep(200);
        continue;
      }
      await sleep(meanGapMs * (0.25 + 1.5 * Math.random()));
      await waitFor("a spare worker", async () => alive.size >= 2, 60_000);
      const victims = [...alive];
      const victim = victims[Math.floor(Math.random() * victims.length)]!;
      alive.delete(victim);
      await victim.kill();
      kills++;
      replace();
    }
    await Promise.all(spawning);
    t.diagnostic(`${kills} kills and ${await epochs()} epochs started in ${((Date.now() - began) / 1000).toFixed(1)} s`);

    // Starts stop (without cancelling anything); what is in flight must still complete.
    await stopPeriodicStarts(db.prisma);
    await waitFor("every epoch finished", async () => (await liveEpochCount(db.prisma)) === 0, 120_000, 200);
    assert.equal(await dueBacklog(db), 0, "nothing left due");

    const audits = await assertEveryEpochCompletedOnce(db.prisma, topics.map((t) => t.id));
    const total = audits.reduce((a, t) => a + t.epochs.length, 0);
    assert.ok(total >= LIFECYCLES, `${total} lifecycles completed`);
    assert.equal(kills, KILLS);
    t.diagnostic(`${total} lifecycles audited after ${((Date.now() - began) / 1000).toFixed(1)} s`);
    await Promise.all([...alive].map((w) => w.stop()));
  });
});
