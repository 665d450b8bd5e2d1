/**
 * The scheduler worker: a graphile-worker pool running the lifecycle tasks, plus the two things it
 * lacks for this job: a due-instant timer (DueTimer, for lateness in milliseconds rather than a poll
 * interval) and a sweeper that frees jobs of crashed workers in seconds (OrphanSweeper). Any number
 * of these may run against one database; SKIP LOCKED hands each job to exactly one of them. It
 * survives PostgreSQL going away: its own sessions reconnect, and a pool that ends is replaced.
 */
import { EventEmitter } from "node:events";
import { run, type Logger, type WorkerEvents, type WorkerPool } from "graphile-worker";
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
  /** Told of every graphile-worker pool this worker creates (`pool:create`; tests reach the pool through it). */
  readonly events?: WorkerEvents;
}

export interface WorkerHandle {
  /** graphile-worker's pool id: `locked_by` of the jobs this worker holds (a new one after a restart). */
  readonly poolId: string;
  /** Why the worker cannot take jobs right now (its pool is restarting, its liveness session is down), or null. */
  readonly problem: string | null;
  /** Stop taking jobs, let running ones finish, disconnect. */
  stop(): Promise<void>;
  /** Settles when the worker is stopped by `stop()`; a pool that ends by itself is restarted instead. */
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

/** Backoff between attempts to restart a pool that ended by itself. */
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;

/**
 * Starts a worker; rejects when the first pool cannot start (start-up errors are the caller's).
 * graphile-worker rides out an outage while it only fetches jobs (it logs and polls again), but a
 * job that finishes or fails while PostgreSQL is away cannot be recorded, and 0.17.3 then shuts
 * the whole pool down ("queue is in an inconsistent state"; its batch retry loop rethrows the
 * first error). So any restart of PostgreSQL under load can end a pool. The worker then starts a
 * fresh one (new pool id and liveness session; the sweeper frees the jobs the old one held, whose
 * tasks re-check state), retrying with backoff until the database answers or `stop()` is called.
 */
export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const logger = queueLogger(opts.logLevel);
  let current: Pool | null = await startPool(opts, logger);
  let poolId = current.poolId;
  let stopRequested = false;
  let wakeUp: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wakeUp = null;
    });

  const done = (async () => {
    for (;;) {
      const pool: Pool = current!;
      const ended = await pool.ended;
      if (stopRequested) return;
      logger.error(`scheduler pool ${pool.poolId} stopped by itself (${ended instanceof Error ? ended.message : "no error"}); starting a new one`);
      current = null;
      await pool.stop();
      for (let delay = RESTART_MIN_MS; ; delay = Math.min(delay * 2, RESTART_MAX_MS)) {
        await pause(delay);
        if (stopRequested) return;
        try {
          const fresh = await startPool(opts, logger);
          if (stopRequested) return void (await fresh.stop()); // stop() came while it was starting
          current = fresh;
          poolId = fresh.poolId;
          logger.warn(`scheduler pool ${poolId} started in place of ${pool.poolId}`);
          break;
        } catch (e) {
          logger.error(`scheduler pool could not start (retrying in ${Math.min(delay * 2, RESTART_MAX_MS)} ms): ${(e as Error).message}`);
        }
      }
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    get poolId() {
      return poolId;
    },
    get problem() {
      if (stopRequested) return "the scheduler worker is stopping";
      if (!current) return "the scheduler pool stopped; a new one is starting";
      if (!current.sweeper.alive) return "the worker's liveness session is down; reconnecting";
      return null;
    },
    done,
    stop() {
      stopping ??= (async () => {
        stopRequested = true;
        wakeUp?.();
        await current?.stop();
        await done;
      })();
      return stopping;
    },
  };
}

interface Pool {
  readonly poolId: string;
  readonly sweeper: OrphanSweeper;
  /** Settles (never rejects) when graphile-worker's pool has ended: with its error, if any. */
  readonly ended: Promise<unknown>;
  /** Stop taking jobs, let running ones finish, disconnect; idempotent. */
  stop(): Promise<void>;
}

/** One graphile-worker pool with its own queue connections, due-instant timer and liveness session. */
async function startPool(opts: WorkerOptions, logger: Logger): Promise<Pool> {
  const events: WorkerEvents = new EventEmitter();
  let pool: WorkerPool | undefined;
  events.on("pool:create", (event) => {
    pool = event.workerPool;
    opts.events?.emit("pool:create", event);
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

  let stopping: Promise<void> | undefined;
  const stop = () => {
    // The liveness session goes last: until running jobs are released, they are ours.
    stopping ??= (async () => {
      await timer.stop();
      await runner.stop().catch(() => {});
      await queuePool.end().catch(() => {});
      await sweeper.stop();
    })();
    return stopping;
  };
  return {
    poolId: workerPool.id,
    sweeper,
    ended: runner.promise.then(
      () => undefined,
      (e: unknown) => e ?? new Error("the pool failed"),
    ),
    stop,
  };
}
