/**
 * Wiring shared by the composition roots (api, worker): the lifecycle commands over the Prisma
 * store, the scheduler over the set-based statements, both on one pg pool, and a scheduler worker
 * built from the config.
 */
import type pg from "pg";
import { LifecycleService } from "../app/lifecycle-service.js";
import { DEFAULT_START_LATE_TOLERANCE_MS, Scheduler, type SchedulerOptions } from "../app/scheduler.js";
import type { Config } from "../config/config.js";
import { DueWorkStore } from "../db/due-work-store.js";
import { LifecycleStore, type CommitObserver } from "../db/lifecycle-store.js";
import type { Db, DbTx } from "../db/prisma-client.js";
import { startSchedulerWorker, type SchedulerClock, type WorkerHandle } from "../worker/scheduler-worker.js";

export interface Lifecycle {
  /** LifecycleCommands for the API's mutations. */
  readonly commands: LifecycleService<DbTx>;
  /** What the scheduler worker runs. */
  readonly scheduler: Scheduler;
}

export interface LifecycleWiring {
  readonly prisma: Db;
  /** The pool under `prisma` (createDatabaseClient): the scheduler's statements share it. */
  readonly pool: pg.Pool;
  readonly config?: Partial<Pick<Config, "START_LATE_TOLERANCE_MS" | "WORKER_BATCH_SIZE">>;
  readonly now?: () => number;
  /** Told of every committed transition (API commands and scheduler batches): metrics. */
  readonly onCommitted?: CommitObserver;
  readonly onMissedStarts?: SchedulerOptions["onMissedStarts"];
}

export function createLifecycle(w: LifecycleWiring): Lifecycle {
  const store = new LifecycleStore(w.prisma, w.onCommitted);
  const scheduler = new Scheduler(new DueWorkStore(w.pool), {
    batchSize: w.config?.WORKER_BATCH_SIZE ?? 500,
    startLateToleranceMs: w.config?.START_LATE_TOLERANCE_MS ?? DEFAULT_START_LATE_TOLERANCE_MS,
    onApplied: w.onCommitted,
    onMissedStarts: w.onMissedStarts,
  });
  return { commands: new LifecycleService(store, w.now ?? Date.now), scheduler };
}

/** Start a scheduler worker with the config's WORKER_* settings; `stop()` it on shutdown. */
export function startLifecycleWorker(
  config: Pick<Config, "WORKER_MAX_SLEEP_MS">,
  url: string,
  lifecycle: Lifecycle,
  opts: { readonly onError: (e: Error) => void; readonly clock?: SchedulerClock },
): Promise<WorkerHandle> {
  return startSchedulerWorker({ connectionString: url, work: lifecycle.scheduler, maxSleepMs: config.WORKER_MAX_SLEEP_MS, clock: opts.clock, onError: opts.onError });
}
