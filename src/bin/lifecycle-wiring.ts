/**
 * Wiring shared by the composition roots (api, worker): the lifecycle use cases over the Prisma
 * store and the graphile-worker job scheduler, and a scheduler worker built from the config.
 */
import { LifecycleService } from "../app/lifecycle-service.js";
import { DEFAULT_START_LATE_TOLERANCE_MS, ScheduledWork, type ScheduledWorkOptions } from "../app/scheduled-work.js";
import type { Config } from "../config/config.js";
import { LifecycleStore, type CommitObserver } from "../db/lifecycle-store.js";
import type { Db, DbTx } from "../db/prisma-client.js";
import { PgJobScheduler } from "../jobs/job-scheduler.js";
import { startWorker, workerOptionsFromConfig, type WorkerHandle } from "../worker/runner.js";

export interface Lifecycle {
  /** LifecycleCommands for the API's mutations. */
  readonly commands: LifecycleService<DbTx>;
  /** What the scheduler worker runs. */
  readonly work: ScheduledWork<DbTx>;
}

export function createLifecycle(
  prisma: Db,
  config: Pick<Config, "WORKER_LEAD_MS"> & Partial<Pick<Config, "START_LATE_TOLERANCE_MS">>,
  now: () => number = Date.now,
  onCommitted?: CommitObserver,
  onMissedStarts?: ScheduledWorkOptions["onMissedStarts"],
): Lifecycle {
  const jobs = new PgJobScheduler({ leadMs: config.WORKER_LEAD_MS });
  const store = new LifecycleStore(prisma, onCommitted, jobs);
  const work = new ScheduledWork(store, jobs, now, {
    startLateToleranceMs: config.START_LATE_TOLERANCE_MS ?? DEFAULT_START_LATE_TOLERANCE_MS,
    onMissedStarts,
  });
  return { commands: new LifecycleService(store, jobs, now), work };
}

/** Start a scheduler worker with the config's WORKER_* settings; `stop()` it on shutdown. */
export function startLifecycleWorker(config: Config, url: string, lifecycle: Lifecycle): Promise<WorkerHandle> {
  return startWorker(workerOptionsFromConfig(config, url, lifecycle.work));
}
