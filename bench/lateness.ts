/**
 * Lateness of scheduled transitions on the set-based scheduler: how long after its due instant each
 * scheduler transition commits, from the log (`at − due_at` of every record the scheduler wrote:
 * periodic starts and the four steps).
 *
 * Runs (BENCH_LATENESS_RUNS, `topics:workers` comma-separated, default `200:1,1000:1,1000:2`), each
 * in a throw-away database of its own with `workers` processes of `src/bin/worker.ts`:
 * - 200 topics × 10 s epochs (workerSubmissionWindow 5 s, groundTruthLag 40 s: an epoch lives 50 s,
 *   1,000 epochs in flight, ≈ 100 transitions/s) — goal p99 ≤ 50 ms;
 * - 1,000 topics, same settings (5,000 epochs in flight, ≈ 500 transitions/s: 100 starts/s and 4
 *   steps each) — goal p99 ≤ 50 ms with one worker;
 * - the same with two workers — goal "not slower than one": p99(2) ≤ max(1.1 × p99(1), p99(1) + 5 ms)
 *   (5 ms: a tail of a few ms moves by more than 10 % between two runs on this host).
 * Topics are activated one by one at uniformly random instants over one epoch length (sorted), as
 * topics created independently would be: their periodic starts, and so every later step, spread over
 * the epoch like a real network's instead of falling on one instant. After a warm-up of one epoch
 * lifetime (every kind of step is then in the stream) transitions due during the measured window
 * count.
 *
 * Settings (environment): BENCH_LATENESS_RUNS, BENCH_EPOCH_LENGTH (10), BENCH_WSW (5), BENCH_GTL
 * (40), BENCH_MEASURE_S (30), DATABASE_URL (server), BENCH_RECORD=0 (no entry in bench/RESULTS.md),
 * BENCH_WORKER_NODE_ARGS (node flags for the worker processes).
 */
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { createLifecycle } from "../src/bin/lifecycle-wiring.js";
import { createDatabaseClient } from "../src/db/prisma-client.js";
import { EpochState, EpochTransition, extraLag, type TopicSettings } from "../src/domain/index.js";
import { createBenchDatabase } from "./bench-database.js";
import { latenessBetween, ms, worstSeconds, type Lateness } from "./lateness-stats.js";
import { loadAverage, recordResult } from "./report.js";
import { startTimerProbe, type TimerProbe } from "./timer-probe.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-processes.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

interface RunResult {
  readonly topics: number;
  readonly workers: number;
  readonly all: Lateness;
  readonly byTransition: (Lateness & { transition: number })[];
  readonly inFlight: number;
  readonly perS: number;
  readonly loadStart: string;
  readonly loadEnd: string;
  /** The host's timer wake-up lateness in the bench process over the window (bench/timer-probe.ts). */
  readonly hostP99: number;
}

/** Two workers are "not slower" than one when their p99 is within this of one worker's. */
export function notSlowerLimit(p99One: number): number {
  return Math.max(p99One * 1.1, p99One + 5);
}

async function runOnce(topics: number, workers: number, settings: TopicSettings, measureS: number): Promise<RunResult> {
  const lifetimeS = settings.groundTruthLag + extraLag(settings) + settings.epochLength;
  const db = await createBenchDatabase(`lateness_${topics}x${workers}`);
  const { prisma, pool } = createDatabaseClient(db.url, { max: 4 });
  const { commands } = createLifecycle({ prisma, pool });
  const procs: WorkerProcess[] = [];
  try {
    for (let i = 0; i < workers; i++) procs.push(await startWorkerProcess(db.url));
    const loadStart = loadAverage();
    console.log(`\n${topics} topics ${JSON.stringify(settings)} → ${(topics * lifetimeS) / settings.epochLength} epochs in flight; ${workers} worker process(es); load ${loadStart}`);
    const ids: bigint[] = [];
    for (let i = 0; i < topics; i++) ids.push((await commands.createTopic(settings)).id);
    const offsets = ids.map(() => Math.random() * settings.epochLength * 1000).sort((a, b) => a - b);
    const t0 = Date.now();
    for (let i = 0; i < ids.length; i++) {
      await sleep(Math.max(0, t0 + offsets[i]! - Date.now()));
      await commands.activateTopic(ids[i]!);
    }
    const measureFrom = t0 + (settings.epochLength + lifetimeS) * 1000;
    const measureTo = measureFrom + measureS * 1000;
    console.log(`warming up until ${Math.round((measureFrom - Date.now()) / 1000)} s from now, then measuring ${measureS} s`);
    const inFlight: number[] = [];
    let probe: TimerProbe | undefined;
    let host = { p99: NaN };
    while (Date.now() < measureTo + 2000) {
      await sleep(1000);
      if (Date.now() >= measureTo && probe) {
        host = probe.stop();
        probe = undefined;
      }
      if (Date.now() >= measureFrom && Date.now() < measureTo) {
        probe ??= startTimerProbe();
        inFlight.push((await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM epoch WHERE state < ${EpochState.COMPLETED}`)).rows[0]!.n);
      }
    }
    const { all, byTransition } = await latenessBetween(pool, measureFrom, measureTo);
    const avg = inFlight.reduce((a, b) => a + b, 0) / Math.max(1, inFlight.length);
    const r = { topics, workers, all, byTransition, inFlight: avg, perS: all.n / measureS, loadStart, loadEnd: loadAverage(), hostP99: host.p99 };
    console.log(`transitions measured: ${all.n} (${r.perS.toFixed(0)}/s); epochs in flight avg ${avg.toFixed(0)}`);
    console.log(`lateness: p50 ${ms(all.p50)}  p90 ${ms(all.p90)}  p99 ${ms(all.p99)}  max ${ms(all.max)}; load at end ${r.loadEnd}; host timer p99 ${ms(r.hostP99)}`);
    for (const t of byTransition) console.log(`  ${EpochTransition[t.transition]!.padEnd(20)} n ${String(t.n).padStart(6)}  p50 ${ms(t.p50)}  p99 ${ms(t.p99)}  max ${ms(t.max)}`);
    const worst = await worstSeconds(pool, measureFrom, measureTo);
    console.log(`  worst seconds (due): ${worst.map((w) => `${w.second.toISOString().slice(11, 19)} n ${w.n} p50 ${w.late50.toFixed(0)} max ${w.max.toFixed(0)} ms`).join("; ")}`);
    if (all.n === 0) throw new Error("no scheduler transition was due in the measured window");
    return r;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await prisma.$disconnect();
    await db.drop();
  }
}

export async function main(): Promise<void> {
  const settings = { epochLength: env("BENCH_EPOCH_LENGTH", 10), workerSubmissionWindow: env("BENCH_WSW", 5), groundTruthLag: env("BENCH_GTL", 40) };
  const measureS = env("BENCH_MEASURE_S", 30);
  const runs = (process.env.BENCH_LATENESS_RUNS ?? "200:1,1000:1,1000:2").split(",").map((s) => s.split(":").map(Number) as [number, number]);
  const results: RunResult[] = [];
  for (const [topics, workers] of runs) results.push(await runOnce(topics, workers, settings, measureS));

  const lines = [
    `Epochs ${JSON.stringify(settings)}, topics activated at uniformly random instants over one epoch length; ${measureS} s measured after one epoch lifetime of warm-up; lateness = log \`at − due_at\` of scheduler transitions (starts and steps); worker processes = src/bin/worker.ts (batch 500); host timer p99 = how late a plain 50 ms timer in the bench process fired over the same window (the floor the host's CPU contention puts under any sleep-until-due). Host shared with other sessions: load averages (1/5/15 min) at start → end of each run.`,
    "",
    "| topics | workers | epochs in flight | transitions/s | p50 | p90 | p99 | max | host timer p99 | load start → end | goal |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const verdicts: string[] = [];
  for (const r of results) {
    const pass = r.all.p99 <= 50;
    verdicts.push(`${r.topics} topics, ${r.workers} worker(s): p99 ${ms(r.all.p99)} (goal ≤ 50 ms) ${pass ? "PASS" : "FAIL"}`);
    lines.push(`| ${r.topics} | ${r.workers} | ${r.inFlight.toFixed(0)} | ${r.perS.toFixed(0)} | ${ms(r.all.p50)} | ${ms(r.all.p90)} | **${ms(r.all.p99)}** | ${ms(r.all.max)} | ${ms(r.hostP99)} | ${r.loadStart} → ${r.loadEnd} | p99 ≤ 50 ms ${pass ? "PASS" : "FAIL"} |`);
  }
  for (const two of results.filter((r) => r.workers === 2)) {
    const one = results.find((r) => r.workers === 1 && r.topics === two.topics);
    if (!one) continue;
    const limit = notSlowerLimit(one.all.p99);
    verdicts.push(`${two.topics} topics, two workers not slower than one: p99 ${ms(two.all.p99)} ≤ max(1.1 × ${ms(one.all.p99)}, ${ms(one.all.p99)} + 5 ms) = ${ms(limit)} ${two.all.p99 <= limit ? "PASS" : "FAIL"}`);
  }
  lines.push("", "Per transition (p50 / p99):", "");
  lines.push(`| topics × workers | ${results[0]!.byTransition.map((t) => EpochTransition[t.transition]).join(" | ")} |`, `|---|${results[0]!.byTransition.map(() => "---|").join("")}`);
  for (const r of results) lines.push(`| ${r.topics} × ${r.workers} | ${r.byTransition.map((t) => `${t.p50.toFixed(1)} / ${t.p99.toFixed(1)} ms`).join(" | ")} |`);
  lines.push("", ...verdicts.map((v) => `- ${v}`));
  console.log(`\n${verdicts.join("\n")}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${new Date().toISOString()}`);
  if (process.env.BENCH_RECORD !== "0") await recordResult("lateness", lines);
}
