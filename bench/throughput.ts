/**
 * Scheduler throughput, in one run against a throw-away database:
 *
 * 1. Saturation against the statement's own ceiling. BENCH_EPOCHS epochs whose four remaining steps
 *    (close-worker, open-reputer, close-reputer, complete) are all overdue, written straight into
 *    the table (bench/scheduled-rows.ts):
 *    - raw: the scheduler's batch statement (src/db/sql/scheduler.ts applyDueSteps, 500 rows) run
 *      in a loop on one pg connection, kind by kind until nothing is due — no worker around it;
 *    - ours: the same number of fresh overdue epochs drained by BENCH_WORKERS `src/bin/worker.ts`
 *      processes.
 *    Both rates run from the first commit to the last (the log's `at`), start-up left out; raw runs
 *    before and after ours and the faster of its two runs is the baseline (the first phase on a
 *    fresh table runs cold); ours is printed as a ratio of it. Every epoch must have its four transitions exactly once.
 * 2. The highest rate that keeps p99 lateness ≤ 100 ms: offered load ramped through BENCH_RATES
 *    (transitions/s). At rate R, R/4 epochs a second have their worker window close (evenly spaced,
 *    over BENCH_LEVEL_S seconds), each then opening its reputer window 1 s later and closing it
 *    (with COMPLETE) 2 s later, so after the first 2 s R transitions fall due each second. Rows are
 *    written 2 s ahead of their first instant; lateness is `at − due_at` of the transitions due
 *    between 2 s and the end of the level. A level passes when p99 ≤ 100 ms and every transition ran
 *    within 15 s of the level's end; the ramp stops at the first level that fell behind. Goal:
 *    highest passing rate ≥ 2,000/s. Each level also prints the host's own timer lateness
 *    (bench/timer-probe.ts) over it, as a control.
 *
 * Settings (environment): BENCH_EPOCHS (5000), BENCH_RATES (500,1000,2000,3000,4000,6000,8000),
 * BENCH_LEVEL_S (10), BENCH_WORKERS (1), DATABASE_URL (server), BENCH_RECORD=0 (no entry in
 * bench/RESULTS.md).
 */
import pg from "pg";
import { setTimeout as sleep } from "node:timers/promises";
import { SCHEDULE_CHANNEL } from "../src/app/scheduler-ports.js";
import { createLifecycle } from "../src/bin/lifecycle-wiring.js";
import { withDatabase } from "../src/db/admin.js";
import { createDatabaseClient } from "../src/db/prisma-client.js";
import { applyDueSteps } from "../src/db/sql/scheduler.js";
import { toStored } from "../src/db/uint64-column.js";
import { EpochState, SCHEDULED_STEPS } from "../src/domain/index.js";
import { benchAdminUrl, createBenchDatabase } from "./bench-database.js";
import { latenessBetween, ms, type Lateness } from "./lateness-stats.js";
import { loadAverage, recordResult } from "./report.js";
import { insertDueEpochs } from "./scheduled-rows.js";
import { startTimerProbe } from "./timer-probe.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-processes.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Scheduled transitions an epoch has left once its worker window is open. */
const STEPS_AFTER_START = SCHEDULED_STEPS.length;
/** Rows per batch statement: the worker's default (WORKER_BATCH_SIZE). */
const BATCH = 500;
const GOAL_P99_MS = 100;
const GOAL_RATE = 2000;

export interface RateLevel {
  readonly offered: number;
  readonly lateness: Lateness;
  /** Transitions due in the measured part of the level per second. */
  readonly achieved: number;
  /** Every epoch of the level completed in time. */
  readonly finished: boolean;
  readonly pass: boolean;
  /** The host's timer wake-up lateness in the bench process during the level (bench/timer-probe.ts). */
  readonly hostP99: number;
  readonly load: string;
}

export interface ThroughputResult {
  readonly rawPerS: number;
  readonly transitionsPerS: number;
  readonly ratio: number;
  readonly rawTransitions: number;
  readonly transitions: number;
  readonly levels: readonly RateLevel[];
  /** The highest offered rate that passed (0: none). */
  readonly highestPassing: number;
}

export interface ThroughputOptions {
  readonly epochs?: number;
  readonly rates?: readonly number[];
  readonly levelS?: number;
  readonly workers?: number;
  /** Any database URL of the server to use (a throw-away database is made there). */
  readonly serverUrl?: string;
  /** Append the entry to bench/RESULTS.md (default: unless BENCH_RECORD=0). */
  readonly record?: boolean;
}

type Pool = pg.Pool;

/** Fresh inactive topics for one phase (their epochs are the phase's rows). */
async function phaseTopics(commands: ReturnType<typeof createLifecycle>["commands"], n: number): Promise<bigint[]> {
  const settings = { epochLength: 10, workerSubmissionWindow: 5, groundTruthLag: 40 };
  return Promise.all(Array.from({ length: n }, async () => (await commands.createTopic(settings)).id));
}

const stored = (ids: readonly bigint[]) => ids.map((id) => toStored(id).toString());

/** Log span of the phase's scheduler transitions: count, and first-to-last commit (n − 1 intervals scaled to n). */
async function logSpan(pool: Pool, topics: readonly bigint[]): Promise<{ n: number; distinct: number; perS: number; ms: number }> {
  const { rows } = await pool.query<{ n: number; distinct: number; ms: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT (topic_id, nonce, transition))::int AS distinct,
            (extract(epoch FROM max(at) - min(at)) * 1000)::float8 AS ms
     FROM transition_record WHERE topic_id = ANY($1::bigint[])`,
    [stored(topics)],
  );
  const r = rows[0]!;
  const span = r.ms * (r.n / Math.max(1, r.n - 1));
  return { n: r.n, distinct: r.distinct, ms: span, perS: r.n / (span / 1000) };
}

async function completed(pool: Pool, topics: readonly bigint[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM epoch WHERE topic_id = ANY($1::bigint[]) AND state = ${EpochState.COMPLETED}`, [stored(topics)]);
  return rows[0]!.n;
}

async function insertOverdue(pool: Pool, topics: readonly bigint[], count: number): Promise<void> {
  // Spread over the last 10 minutes, 1 ms apart at most: all four steps overdue, in a due order.
  await insertDueEpochs(pool, { topics, count, firstNonce: 0, firstCloseAt: Date.now() - 600_000, spacingMs: Math.min(1, 300_000 / count), stepGapMs: 1000 });
}

/** The batch statement in a loop on one connection, kind by kind, until nothing is due. */
async function rawLoop(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const step of SCHEDULED_STEPS) {
      while ((await applyDueSteps(client, step, Date.now(), BATCH)).length === BATCH);
    }
  } finally {
    await client.end();
  }
}

/** The raw loop over a fresh set of overdue epochs. */
async function rawPhase(pool: Pool, commands: ReturnType<typeof createLifecycle>["commands"], url: string, epochs: number) {
  const topics = await phaseTopics(commands, 50);
  await insertOverdue(pool, topics, epochs);
  await rawLoop(url);
  const raw = await logSpan(pool, topics);
  checkExactlyOnce("raw", raw, epochs);
  console.log(`raw batch statement loop: ${raw.n} transitions in ${(raw.ms / 1000).toFixed(2)} s → ${raw.perS.toFixed(0)}/s`);
  return raw;
}

function checkExactlyOnce(label: string, span: { n: number; distinct: number }, epochs: number): void {
  if (span.n !== epochs * STEPS_AFTER_START || span.distinct !== span.n) {
    throw new Error(`${label}: expected ${epochs * STEPS_AFTER_START} distinct scheduled transitions, the log has ${span.n} (${span.distinct} distinct)`);
  }
}

async function rateLevel(pool: Pool, commands: ReturnType<typeof createLifecycle>["commands"], rate: number, levelS: number): Promise<RateLevel> {
  const topics = await phaseTopics(commands, 50);
  const perS = rate / STEPS_AFTER_START; // epochs whose worker window closes each second
  const count = Math.round(perS * levelS);
  const t0 = Date.now() + 2000;
  await insertDueEpochs(pool, { topics, count, firstNonce: 0, firstCloseAt: t0, spacingMs: 1000 / perS, stepGapMs: 1000 });
  await pool.query("SELECT pg_notify($1, $2)", [SCHEDULE_CHANNEL, String(t0)]);
  const end = t0 + levelS * 1000 + 2000; // the last epoch's COMPLETE is due 2 s after its close
  const probe = startTimerProbe();
  await sleep(Math.max(0, end - Date.now()) + 200);
  const host = probe.stop();
  const deadline = Date.now() + 15_000;
  let done = await completed(pool, topics);
  while (done < count && Date.now() < deadline) {
    await sleep(200);
    done = await completed(pool, topics);
  }
  const from = t0 + 2000;
  const to = t0 + levelS * 1000;
  const { all } = await latenessBetween(pool, from, to);
  const finished = done === count;
  const level = { offered: rate, lateness: all, achieved: all.n / ((to - from) / 1000), finished, pass: finished && all.p99 <= GOAL_P99_MS, hostP99: host.p99, load: loadAverage() };
  console.log(
    `  offered ${String(rate).padStart(5)}/s: ${all.n} due in the window (${level.achieved.toFixed(0)}/s), p50 ${ms(all.p50)} p99 ${ms(all.p99)} max ${ms(all.max)}` +
      `${finished ? "" : ` — only ${done}/${count} epochs completed`}; host timer p99 ${ms(host.p99)}; load ${level.load} → ${level.pass ? "PASS" : "FAIL"}`,
  );
  return level;
}

export async function main(opts: ThroughputOptions = {}): Promise<ThroughputResult> {
  const epochs = opts.epochs ?? env("BENCH_EPOCHS", 5_000);
  const rates = opts.rates ?? (process.env.BENCH_RATES ?? "500,1000,2000,3000,4000,6000,8000").split(",").map(Number);
  const levelS = opts.levelS ?? env("BENCH_LEVEL_S", 10);
  const workers = opts.workers ?? env("BENCH_WORKERS", 1);
  const loadStart = loadAverage();
  const db = await createBenchDatabase("tp", opts.serverUrl ? withDatabase(opts.serverUrl, "postgres") : benchAdminUrl());
  const { prisma, pool } = createDatabaseClient(db.url, { max: 4 });
  const { commands } = createLifecycle({ prisma, pool });
  const procs: WorkerProcess[] = [];
  try {
    console.log(`throughput: ${epochs} overdue epochs × ${STEPS_AFTER_START} steps, batch ${BATCH}; ${workers} worker process(es); load ${loadStart}`);
    const rawBefore = await rawPhase(pool, commands, db.url, epochs);

    const ourTopics = await phaseTopics(commands, 50);
    await insertOverdue(pool, ourTopics, epochs);
    for (let i = 0; i < workers; i++) procs.push(await startWorkerProcess(db.url));
    const deadline = Date.now() + 300_000;
    while ((await completed(pool, ourTopics)) < epochs) {
      if (Date.now() > deadline) throw new Error("ours: the overdue epochs did not complete within 5 minutes");
      await sleep(50);
    }
    const ours = await logSpan(pool, ourTopics);
    checkExactlyOnce("ours", ours, epochs);
    // Raw runs again after ours, the workers stopped (they would take its rows), and the faster
    // raw run counts: the first phase pays for a cold table.
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    const rawAfter = await rawPhase(pool, commands, db.url, epochs);
    const raw = rawAfter.perS > rawBefore.perS ? rawAfter : rawBefore;
    for (let i = 0; i < workers; i++) procs.push(await startWorkerProcess(db.url));
    const ratio = ours.perS / raw.perS;
    console.log(`epoch-windows worker(s): ${ours.n} transitions in ${(ours.ms / 1000).toFixed(2)} s → ${ours.perS.toFixed(0)}/s = ${ratio.toFixed(2)}× raw`);

    console.log(`ramp: ${levelS} s per level, goal p99 ≤ ${GOAL_P99_MS} ms`);
    const levels: RateLevel[] = [];
    for (const rate of rates) {
      const level = await rateLevel(pool, commands, rate, levelS);
      levels.push(level);
      // A level that fell behind ends the ramp; one that only missed the tail goal does not (on a
      // shared host a burst of other work can spoil one level's tail and not the next one's).
      if (!level.finished) break;
    }
    const highestPassing = Math.max(0, ...levels.filter((l) => l.pass).map((l) => l.offered));
    const verdict = highestPassing >= GOAL_RATE ? "PASS" : "FAIL";
    console.log(`highest offered rate with p99 ≤ ${GOAL_P99_MS} ms: ${highestPassing}/s (goal ≥ ${GOAL_RATE}/s) ${verdict}; load ${loadAverage()}`);
    const result = { rawPerS: raw.perS, transitionsPerS: ours.perS, ratio, rawTransitions: raw.n, transitions: ours.n, levels, highestPassing };
    if (opts.record ?? process.env.BENCH_RECORD !== "0") {
      await recordResult("throughput", [
        `${workers} worker process(es) (src/bin/worker.ts, batch ${BATCH}); load average at start ${loadStart}, at end ${loadAverage()} (host shared with other sessions).`,
        "",
        `Saturation: ${epochs} epochs with all four remaining steps overdue; rates from the first to the last commit (log \`at\`).`,
        "",
        "| measure | transitions | seconds | per second |",
        "|---|---|---|---|",
        `| raw batch statement in a loop (one pg connection, no worker; faster of 2 runs: ${rawBefore.perS.toFixed(0)}, ${rawAfter.perS.toFixed(0)}/s) | ${raw.n} | ${(raw.ms / 1000).toFixed(2)} | ${raw.perS.toFixed(0)} |`,
        `| epoch-windows worker(s) | ${ours.n} | ${(ours.ms / 1000).toFixed(2)} | ${ours.perS.toFixed(0)} (**${ratio.toFixed(2)}×** raw) |`,
        "",
        `Ramp: offered transitions/s for ${levelS} s per level (R/4 epochs/s closing their worker window, then their other three steps 1 s and 2 s later); lateness of the transitions due after the first 2 s.`,
        "",
        "| offered/s | due in window/s | p50 | p99 | max | all ran | host timer p99 | load | p99 ≤ 100 ms |",
        "|---|---|---|---|---|---|---|---|---|",
        ...levels.map((l) => `| ${l.offered} | ${l.achieved.toFixed(0)} | ${ms(l.lateness.p50)} | ${ms(l.lateness.p99)} | ${ms(l.lateness.max)} | ${l.finished ? "yes" : "no"} | ${ms(l.hostP99)} | ${l.load} | ${l.pass ? "PASS" : "FAIL"} |`),
        "",
        `Highest rate with p99 ≤ ${GOAL_P99_MS} ms: **${highestPassing}/s** (goal ≥ ${GOAL_RATE}/s): ${verdict}.`,
      ]);
    }
    return result;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await prisma.$disconnect();
    await db.drop();
  }
}
