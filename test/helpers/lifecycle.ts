/** Lifecycle wiring and queue inspection for tests over a TestDatabase. */
import { setTimeout as sleep } from "node:timers/promises";
import type { TransitionLogRecord } from "../../src/app/records.js";
import { createLifecycle, type Lifecycle } from "../../src/bin/lifecycle-wiring.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { startWorker, type WorkerHandle } from "../../src/worker/runner.js";
import type { TestDatabase } from "./database.js";

export const LEAD_MS = 100;

export function lifecycleFor(db: TestDatabase, now?: () => number): Lifecycle & { store: LifecycleStore } {
  return { ...createLifecycle(db.prisma, { WORKER_LEAD_MS: LEAD_MS }, now), store: new LifecycleStore(db.prisma) };
}

export function startTestWorker(db: TestDatabase, lifecycle: Lifecycle, opts: { concurrency?: number } = {}): Promise<WorkerHandle> {
  return startWorker({
    connectionString: db.url,
    work: lifecycle.work,
    concurrency: opts.concurrency ?? 8,
    pollIntervalMs: 500,
    sweepIntervalMs: 500,
    orphanGraceMs: 1000,
    waitRetryMs: 100,
    logLevel: "warn",
  });
}

export interface JobRow {
  key: string | null;
  task_identifier: string;
  run_at: Date;
  priority: number;
  payload: Record<string, unknown>;
  locked_by: string | null;
  attempts: number;
  max_attempts: number;
}

export async function pendingJobs(db: TestDatabase): Promise<JobRow[]> {
  return db.prisma.$queryRaw<JobRow[]>`
    SELECT j.key, t.identifier AS task_identifier, j.run_at, j.priority, j.payload, j.locked_by, j.attempts, j.max_attempts
    FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE j.attempts < j.max_attempts ORDER BY j.run_at, j.priority, j.key`;
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
