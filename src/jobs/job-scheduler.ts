/**
 * The job-queue adapter: lifecycle jobs are rows in graphile-worker's queue, written with its SQL API
 * (add_job / remove_job) on the caller's transaction, so they commit or roll back with the state
 * change. Job keys (`<task>:<topicId>-<nonce>`) plus job_key_mode 'replace' make rescheduling
 * idempotent: a retried start replaces its job instead of failing on "already exists", and a key
 * held by a running job is moved to the new job (graphile-worker's rule), never duplicated. Only an
 * epoch's next step is queued (each transition queues its successor), so the queue holds about one
 * job per live epoch (graphile-worker's fetch query cannot bound run_at with its index and filters
 * every pending job on each look for work).
 */
import type { JobSchedulerPort, PeriodicStart, ScheduleStepOptions, StepJobChanges } from "../app/lifecycle-ports.js";
import type { EpochKey } from "../app/records.js";
import { LIFECYCLE_TASKS, Task, epochJobKey, periodicJobKey, type LifecycleStep } from "../domain/index.js";
import type { DbTx } from "../db/prisma-client.js";
import { Prisma } from "../generated/prisma/client.js";
import { epochPayload, periodicPayload } from "./job-payloads.js";

/** Channel announcing the run_at instants (ms, comma-separated) a transaction queued; sent on commit. */
export const JOBS_DUE_CHANNEL = "epoch_windows_jobs_due";

/**
 * Failed runs are retried with graphile-worker's exponential backoff (capped at e^10 s ≈ 6 h), so
 * 25 attempts is about a week of retrying; the job and its last_error stay visible meanwhile.
 */
export const MAX_ATTEMPTS = 25;

export interface JobSchedulerOptions {
  /**
   * Queue jobs this many ms before they are due: a worker claims the job early and waits for the
   * instant itself, so claiming costs no lateness. Every process that schedules should agree.
   */
  readonly leadMs: number;
}

interface JobSpec {
  readonly task: string;
  readonly key: string;
  readonly payload: unknown;
  readonly runAt: number;
  readonly priority: number;
}

export class PgJobScheduler implements JobSchedulerPort<DbTx> {
  /** The default lead equals WORKER_LEAD_MS's default; pass the configured value where there is one. */
  constructor(private readonly opts: JobSchedulerOptions = { leadMs: 100 }) {}

  async scheduleStep(tx: DbTx, key: EpochKey, step: LifecycleStep, opts: ScheduleStepOptions = {}): Promise<void> {
    await addJobs(tx, [this.stepJob(key, step, opts)], opts.announce ?? true);
  }

  /**
   * A step's job changes as select-list expressions for a statement that also writes the
   * transition (src/db/transition-writes.ts), run once per row matching `guard`.
   */
  stepJobChangesSql(key: EpochKey, changes: StepJobChanges, guard: Prisma.Sql): Prisma.Sql {
    const parts: Prisma.Sql[] = [];
    if (changes.remove.length) parts.push(removeJobsSql(changes.remove.map((s) => epochJobKey(s.task, key.topicId, key.nonce)), guard));
    if (changes.add) parts.push(addJobsSql([this.stepJob(key, changes.add.step, changes.add.opts)], changes.add.opts?.announce ?? true, guard));
    return parts.length ? Prisma.join(parts, ", ") : Prisma.sql`NULL AS no_jobs`;
  }

  private stepJob(key: EpochKey, step: LifecycleStep, opts: ScheduleStepOptions = {}): JobSpec {
    return {
      task: step.task,
      key: epochJobKey(step.task, key.topicId, key.nonce),
      payload: epochPayload(key, step.dueAt),
      runAt: opts.runAt ?? step.dueAt - this.opts.leadMs,
      priority: step.priority,
    };
  }

  async unscheduleStep(tx: DbTx, key: EpochKey, step: LifecycleStep): Promise<void> {
    await removeJobs(tx, [epochJobKey(step.task, key.topicId, key.nonce)]);
  }

  async unscheduleEpoch(tx: DbTx, key: EpochKey): Promise<void> {
    const keys = LIFECYCLE_TASKS.map((t) => epochJobKey(t, key.topicId, key.nonce));
    await removeJobs(tx, keys);
  }

  async schedulePeriodicStart(tx: DbTx, next: PeriodicStart, dueAt: number): Promise<void> {
    const payload = periodicPayload(next, dueAt);
    await addJobs(tx, [{ task: Task.START_NEW_EPOCH, key: periodicJobKey(next.topicId), payload, runAt: dueAt - this.opts.leadMs, priority: 0 }]);
  }

  async unschedulePeriodicStart(tx: DbTx, topicId: bigint): Promise<void> {
    await removeJobs(tx, [periodicJobKey(topicId)]);
  }
}

/**
 * One round trip for all jobs, plus (when `announce`) a notification of their run_at instants for the
 * workers' timers; without it a job is found by the timers' periodic re-read or a worker's poll.
 */
async function addJobs(tx: DbTx, specs: readonly JobSpec[], announce = true): Promise<void> {
  if (specs.length === 0) return;
  await tx.$executeRaw`SELECT ${addJobsSql(specs, announce, Prisma.sql`true`)}`;
}

/** remove_job deletes an idle job; one that is running loses its key and will not be retried. */
async function removeJobs(tx: DbTx, keys: readonly string[]): Promise<void> {
  await tx.$executeRaw`SELECT ${removeJobsSql(keys, Prisma.sql`true`)}`;
}

/**
 * Scalar subqueries (for a select list) that add the jobs and announce them. `guard` makes them
 * correlated with the enclosing row — a row of a data-modifying CTE, say — so they run once per
 * such row, after it was written, and not at all when there is none.
 */
function addJobsSql(specs: readonly JobSpec[], announce: boolean, guard: Prisma.Sql): Prisma.Sql {
  const runAts = announce ? specs.map((s) => s.runAt).join(",") : "";
  return Prisma.sql`
    (SELECT count(graphile_worker.add_job(
              s.task, s.payload::json, run_at => s.run_at::timestamptz, max_attempts => ${MAX_ATTEMPTS}::int,
              job_key => s.key, priority => s.priority, job_key_mode => 'replace'))
     FROM unnest(${specs.map((s) => s.task)}::text[], ${specs.map((s) => s.key)}::text[],
                 ${specs.map((s) => JSON.stringify(s.payload))}::text[], ${specs.map((s) => new Date(s.runAt).toISOString())}::text[],
                 ${specs.map((s) => s.priority)}::int[]) AS s(task, key, payload, run_at, priority)
     WHERE ${guard}) AS added,
    (SELECT pg_notify(${JOBS_DUE_CHANNEL}, ${runAts}::text)::text WHERE ${runAts}::text <> '' AND ${guard}) AS notified`;
}

function removeJobsSql(keys: readonly string[], guard: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT count(graphile_worker.remove_job(k)) FROM unnest(${keys}::text[]) AS k WHERE ${guard}) AS removed`;
}
