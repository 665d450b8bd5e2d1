/**
 * The scheduler worker: a graphile-worker pool running the lifecycle tasks, plus the two things it
 * lacks for this job: a due-instant timer (DueTimer, for lateness in milliseconds rather than a poll
 * interval) and a sweeper that frees jobs of crashed workers in seconds (OrphanSweeper). Any number
 * of these may run against one database; SKIP LOCKED hands each job to exactly one of them.
 */
import { EventEmitter } from "node:events";
import { run, type WorkerEvents, type WorkerPool } from "graphile-worker";
import pg from "pg";
import type { ScheduledWorkRunner } from "../app/scheduled-work.js";
import type { Config } from "../config/config.js";
import { queueLogger } from "../jobs/queue-logger.js";
import { DueTimer } from "./due-timer.js";
import { OrphanSweeper } from "./orphan-sweeper.js";
import { lifecycleTaskList } from "./tasks/index.js";

export interface WorkerOptions {
  readonly connectionString: string;
  readonly work: ScheduledWorkRunner;
  /** Jobs run at once by this process. */
  readonly concurrency: number;
  /** Fallback poll of the queue (ms); due instants are met by the timer, not by this. */
  readonly pollIntervalMs: number;
  /** How often dead workers' jobs are looked for (ms). */
  readonly sweepIntervalMs: number;
  /** A job locked at least this long (ms) by a worker with no live session is released. */
  readonly orphanGraceMs: number;
  /** A step whose prerequisite is pending runs again this much later (ms). */
  readonly waitRetryMs: number;
  readonly logLevel?: Config["LOG_LEVEL"];
}

export interface WorkerHandle {
  /** graphile-worker's pool id: `locked_by` of the jobs this worker holds. */
  readonly poolId: string;
  /** Stop taking jobs, let running ones finish, disconnect. */
  stop(): Promise<void>;
  /** Settles when the worker stops, rejecting if it stopped because of an error. */
  readonly done: Promise<void>;
}

/** The worker settings out of the validated config. */
export function workerOptionsFromConfig(config: Config, connectionString: string, work: ScheduledWorkRunner): WorkerOptions {
  return {
    connectionString,
    work,
    concurrency: config.WORKER_CONCURRENCY,
    pollIntervalMs: config.WORKER_POLL_INTERVAL_MS,
    sweepIntervalMs: config.WORKER_SWEEP_INTERVAL_MS,
    orphanGraceMs: config.WORKER_ORPHAN_GRACE_MS,
    waitRetryMs: config.WORKER_WAIT_RETRY_MS,
    logLevel: config.LOG_LEVEL,
  };
}

export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const logger = queueLogger(opts.logLevel);
  const events: WorkerEvents = new EventEmitter();
  let pool: WorkerPool | undefined;
  events.on("pool:create", ({ workerPool }) => {
    pool = workerPool;
  });
  // graphile-worker's own connections: its listener, job fetches and (batched) completions. Its
  // writes only lock, unlock and delete jobs, so they need not wait for the WAL flush: after a
  // server crash a lost lock frees the job and a lost delete runs it again, and every task re-checks
  // state under the epoch's lock. The lifecycle transactions (Prisma's pool) keep synchronous commits.
  // Connections open on demand: with the local queue and batched completions only a few are used.
  const queuePool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.concurrency + 2,
    options: "-c synchronous_commit=off",
  });
  // An idle or checked-out client's error (e.g. the server restarted) must not crash the process:
  // the pool drops the client, and graphile-worker's query fails and is retried.
  const onPoolError = (e: Error) => logger.error(`scheduler queue connection: ${e.message}`);
  queuePool.on("error", onPoolError);
  queuePool.on("connect", (client) => client.on("error", onPoolError));
  let runner;
  try {
    runner = await run({
      pgPool: queuePool,
      concurrency: opts.concurrency,
      pollInterval: opts.pollIntervalMs,
      noHandleSignals: true, // the process entry point owns signals
      taskList: lifecycleTaskList({ work: opts.work, waitRetryMs: opts.waitRetryMs }),
      parsedCronItems: [],
      preset: {
        worker: {
          // The pool fetches due jobs in one query and hands them to its slots: the queue's index
          // cannot bound run_at, so one query per slot per wake-up would cost the database far more.
          localQueue: { size: opts.concurrency },
          // Completions of jobs finishing together go in one statement.
          completeJobBatchDelay: 5,
          failJobBatchDelay: 5,
        },
      },
      events,
      logger,
    });
  } catch (e) {
    await queuePool.end().catch(() => {});
    throw e;
  }
  if (!pool) throw new Error("graphile-worker did not report its worker pool");
  const workerPool: WorkerPool = pool;
  const nudge = (count: number) => {
    if (workerPool._active && !workerPool._shuttingDown) workerPool.nudge(count);
  };
  const onError = (e: Error) => logger.error(`scheduler: ${e.message}`);
  const sweeper = new OrphanSweeper({
    connectionString: opts.connectionString,
    poolId: workerPool.id,
    intervalMs: opts.sweepIntervalMs,
    graceMs: opts.orphanGraceMs,
    onReleased: (pools) => {
      logger.warn(`released jobs of stopped worker(s) ${pools.join(", ")}`);
      nudge(opts.concurrency);
    },
    onError,
  });
  const timer = new DueTimer({ connectionString: opts.connectionString, nudge, fallbackMs: opts.pollIntervalMs, onError });
  try {
    await sweeper.start();
    await timer.start();
  } catch (e) {
    await Promise.allSettled([timer.stop(), runner.stop(), sweeper.stop()]);
    await queuePool.end().catch(() => {});
    throw e;
  }

  // Stopped by an error rather than stop(): its connections go too.
  runner.promise.catch(() => queuePool.end().catch(() => {}));
  let stopping: Promise<void> | undefined;
  return {
    poolId: workerPool.id,
    done: runner.promise,
    stop() {
      // The liveness session goes last: until running jobs are released, they are ours.
      stopping ??= (async () => {
        await timer.stop();
        await runner.stop().catch(() => {});
        await queuePool.end().catch(() => {});
        await sweeper.stop();
      })();
      return stopping;
    },
  };
}
