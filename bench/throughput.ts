/**
 * Scheduler throughput at saturation against the job queue's own ceiling, in one run:
 *
 * - raw: graphile-worker alone (same concurrency, same connection budget) running BENCH_JOBS no-op
 *   jobs queued up front — jobs per second from the first job's start to the last one's;
 * - ours: BENCH_EPOCHS epochs started while no worker runs and left until every one of their steps
 *   is overdue (close-worker, open-reputer, close-reputer, complete), then the scheduler worker is
 *   started — transitions per second from the first transition's commit to the last one's (the
 *   log's `at`), each a full one (own transaction, epoch update, log record, next job if any).
 * Both rates leave out start-up (connecting, graphile-worker's migration check): saturation only.
 *
 * Goal: transitions/s ≥ 0.5 × raw jobs/s. Both run in this process against a throw-away database,
 * with as many raw jobs as epochs by default, so both queues start equally deep.
 * Settings (environment): BENCH_JOBS (default 2500), BENCH_EPOCHS (default 2500),
 * WORKER_CONCURRENCY (default from the config, 32), DATABASE_URL (server), BENCH_RECORD=0 to skip
 * the entry in bench/RESULTS.md.
 */
import { Logger, run, type Runner } from "graphile-worker";
import { setTimeout as sleep } from "node:timers/promises";
import { createDatabase, dropDatabase, withDatabase } from "../src/db/admin.js";
import { loadConfig, type Config } from "../src/config/config.js";
import { createDatabaseClient } from "../src/db/prisma-client.js";
import { prepareDatabase } from "../src/db/setup.js";
import { createLifecycle, startLifecycleWorker } from "../src/bin/lifecycle-wiring.js";
import { EpochState } from "../src/domain/index.js";
import { recordResult } from "./report.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Overdue transitions an epoch has left once its worker window is open. */
const STEPS_AFTER_START = 4;

export interface ThroughputResult {
  readonly rawJobsPerS: number;
  readonly transitionsPerS: number;
  readonly ratio: number;
  readonly transitions: number;
  readonly jobs: number;
}

export interface ThroughputOptions {
  readonly jobs?: number;
  readonly epochs?: number;
  /** Any database URL of the server to use (a throw-away database is made there). */
  readonly serverUrl?: string;
  /** Append the entry to bench/RESULTS.md (default: unless BENCH_RECORD=0). */
  readonly record?: boolean;
}

export async function main(opts: ThroughputOptions = {}): Promise<ThroughputResult> {
  const config = loadConfig();
  const jobs = opts.jobs ?? env("BENCH_JOBS", 2_500);
  const epochs = opts.epochs ?? env("BENCH_EPOCHS", 2_500);
  const adminUrl = withDatabase(opts.serverUrl ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres", "postgres");
  const dbName = `ew_bench_tp_${process.pid}`;
  const url = withDatabase(adminUrl, dbName);
  await dropDatabase(adminUrl, dbName);
  await createDatabase(adminUrl, dbName);
  try {
    await prepareDatabase(url);
    console.log(`throughput: concurrency ${config.WORKER_CONCURRENCY}; ${jobs} no-op jobs, then ${epochs} epochs × ${STEPS_AFTER_START} overdue transitions`);
    const raw = await rawJobs(url, config, jobs);
    console.log(`raw graphile-worker: ${jobs} no-op jobs in ${(raw.ms / 1000).toFixed(2)} s → ${raw.perS.toFixed(0)} jobs/s`);
    const ours = await overdueTransitions(url, config, epochs);
    console.log(`epoch-windows:       ${ours.transitions} transitions in ${(ours.ms / 1000).toFixed(2)} s → ${ours.perS.toFixed(0)} transitions/s`);
    const ratio = ours.perS / raw.perS;
    const verdict = ratio >= 0.5 ? "PASS" : "FAIL";
    console.log(`ratio transitions/s ÷ raw jobs/s: ${ratio.toFixed(2)}×  (goal ≥ 0.5×) ${verdict}`);
    if (opts.record ?? process.env.BENCH_RECORD !== "0") {
      await recordResult("throughput", [
        `concurrency ${config.WORKER_CONCURRENCY}; pool ${poolSize(config)} connections each; rates from first to last job / transition (start-up left out)`,
        "",
        "| measure | count | seconds | per second |",
        "|---|---|---|---|",
        `| raw graphile-worker no-op jobs | ${jobs} | ${(raw.ms / 1000).toFixed(2)} | ${raw.perS.toFixed(0)} |`,
        `| epoch-windows overdue transitions | ${ours.transitions} | ${(ours.ms / 1000).toFixed(2)} | ${ours.perS.toFixed(0)} |`,
        "",
        `Ratio ${ratio.toFixed(2)}× (goal ≥ 0.5×): ${verdict}.`,
      ]);
    }
    return { rawJobsPerS: raw.perS, transitionsPerS: ours.perS, ratio, transitions: ours.transitions, jobs };
  } finally {
    await dropDatabase(adminUrl, dbName);
  }
}

/** The worker's connection budget (src/bin/worker.ts), given to the raw queue as well. */
function poolSize(config: Config): number {
  return Math.min(config.WORKER_CONCURRENCY + 2, 20);
}

async function rawJobs(url: string, config: Config, count: number): Promise<{ ms: number; perS: number }> {
  const { prisma } = createDatabaseClient(url, { max: 2 });
  try {
    await prisma.$executeRawUnsafe(`SELECT graphile_worker.add_job('bench_noop', json_build_object('i', i)) FROM generate_series(1, ${count}) i`);
    let done = 0;
    let finished!: () => void;
    const allDone = new Promise<void>((resolve) => (finished = resolve));
    let first = 0;
    let last = 0;
    const runner: Runner = await run({
      connectionString: url,
      concurrency: config.WORKER_CONCURRENCY,
      maxPoolSize: poolSize(config),
      pollInterval: config.WORKER_POLL_INTERVAL_MS,
      noHandleSignals: true,
      logger: quietLogger,
      taskList: {
        bench_noop: async () => {
          last = performance.now();
          if (done === 0) first = last;
          if (++done === count) finished();
        },
      },
    });
    await allDone;
    // n jobs started over (last − first): n − 1 intervals.
    const ms = (last - first) * (count / Math.max(1, count - 1));
    // Completions are written in batches: wait for the queue to drain before checking it.
    let left = -1;
    for (let i = 0; i < 500 && left !== 0; i++) {
      left = (await prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs`))[0]!.n;
      if (left) await sleep(10);
    }
    await runner.stop();
    if (left !== 0) throw new Error(`raw run left ${left} jobs behind`);
    return { ms, perS: count / (ms / 1000) };
  } finally {
    await prisma.$disconnect();
  }
}

async function overdueTransitions(url: string, config: Config, count: number): Promise<{ ms: number; perS: number; transitions: number }> {
  const { prisma } = createDatabaseClient(url, { max: poolSize(config) });
  try {
    const lifecycle = createLifecycle(prisma, config);
    // 50 topics; epochs started by the API while no worker runs (each queues its close-worker job).
    const settings = { epochLength: 1, workerSubmissionWindow: 1, groundTruthLag: 1 };
    const topics = await Promise.all(Array.from({ length: 50 }, () => lifecycle.commands.createTopic(settings)));
    let lastEnd = 0;
    for (let i = 0; i < count; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, count - i) }, (_, j) => lifecycle.commands.startEpoch(topics[(i + j) % topics.length]!.id)),
      );
      for (const e of batch) lastEnd = Math.max(lastEnd, e.windows.reputerCloseAt);
      if (i % 500 === 0) process.stderr.write(`\rstarting epochs ${i}/${count}`);
    }
    process.stderr.write(`\rstarting epochs ${count}/${count}\n`);
    await sleep(Math.max(0, lastEnd - Date.now()) + 200); // every step of every epoch is overdue now
    const before = await countState(prisma, EpochState.COMPLETED);
    if (before !== 0) throw new Error("an epoch completed without a worker");

    const worker = await startLifecycleWorker(config, url, lifecycle);
    let completed = 0;
    try {
      while ((completed = await countState(prisma, EpochState.COMPLETED)) < count) await sleep(20);
    } finally {
      await worker.stop();
    }
    // From the log itself: the commits' own instants, not the polling loop's.
    const span = await prisma.$queryRawUnsafe<{ n: number; ms: number }[]>(
      `SELECT count(*)::int AS n, (extract(epoch FROM max(at) - min(at)) * 1000)::float8 AS ms FROM transition_record WHERE source = 0`,
    );
    const n = span[0]!.n;
    const ms = span[0]!.ms * (n / Math.max(1, n - 1));
    if (n !== count * STEPS_AFTER_START) throw new Error(`expected ${count * STEPS_AFTER_START} scheduled transitions, the log has ${n}`);
    return { ms, perS: n / (ms / 1000), transitions: n };
  } finally {
    await prisma.$disconnect();
  }
}

async function countState(prisma: ReturnType<typeof createDatabaseClient>["prisma"], state: EpochState): Promise<number> {
  const rows = await prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM epoch WHERE state = $1::smallint`, state);
  return rows[0]!.n;
}

const quietLogger = new Logger(() => () => {});
