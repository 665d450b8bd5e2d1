/** Lifecycle wiring and scheduler workers for tests over a TestDatabase. */
import { setTimeout as sleep } from "node:timers/promises";
import type { TransitionLogRecord } from "../../src/app/records.js";
import { createLifecycle, type Lifecycle, type LifecycleWiring } from "../../src/bin/lifecycle-wiring.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { DUE_BACKLOG } from "../../src/db/sql/scheduler.js";
import { startSchedulerWorker, type SchedulerClock, type WorkerHandle } from "../../src/worker/scheduler-worker.js";
import type { TestDatabase } from "./database.js";

export function lifecycleFor(db: TestDatabase, now?: () => number, wiring: Partial<LifecycleWiring> = {}): Lifecycle & { store: LifecycleStore } {
  return { ...createLifecycle({ prisma: db.prisma, pool: db.pool, now, ...wiring }), store: new LifecycleStore(db.prisma) };
}

export function startTestWorker(db: TestDatabase, lifecycle: Lifecycle, opts: { clock?: SchedulerClock; maxSleepMs?: number } = {}): Promise<WorkerHandle> {
  return startSchedulerWorker({
    connectionString: db.url,
    work: lifecycle.scheduler,
    maxSleepMs: opts.maxSleepMs ?? 500,
    clock: opts.clock,
    onError: (e) => console.error(`scheduler: ${e.message}`),
  });
}

export async function epochLog(lc: { store: LifecycleStore }, topicId: bigint, nonce?: bigint): Promise<TransitionLogRecord[]> {
  return lc.store.log.list(lc.store.db, { topicId, nonce }, { limit: 10_000 });
}

/** Poll `check` until it returns a value other than undefined/false, or fail after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Work due now and not yet applied (the scheduler's backlog). */
export async function dueBacklog(db: TestDatabase): Promise<number> {
  const rows = await db.prisma.$queryRawUnsafe<{ n: bigint }[]>(DUE_BACKLOG);
  return Number(rows[0]!.n);
}
