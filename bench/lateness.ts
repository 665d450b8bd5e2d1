/**
 * Lateness of scheduled transitions: how long after its due instant each transition commits,
 * computed from transition_record (at − due_at) with ~1,000 epochs in flight.
 *
 * Defaults: 200 topics, epochLength 10 s, workerSubmissionWindow 5 s, groundTruthLag 40 s, so an
 * epoch lives 50 s and each topic has 5 epochs in flight (1,000 in all); topics are activated at
 * random instants spread over one epochLength so due times do not all coincide. After a warm-up of
 * one epoch lifetime, transitions due during the measurement window are counted. Workers run as
 * separate processes (`src/bin/worker.ts`), as in production, against a throw-away database.
 *
 * Settings (environment): BENCH_TOPICS, BENCH_EPOCH_LENGTH, BENCH_WSW, BENCH_GTL, BENCH_MEASURE_S,
 * BENCH_WORKERS (processes, default 1), WORKER_CONCURRENCY (per process), DATABASE_URL (server),
 * BENCH_RECORD=0 (no entry in bench/RESULTS.md),
 * BENCH_WORKER_NODE_ARGS (extra node flags for the worker processes, e.g. "--cpu-prof
 * --cpu-prof-dir=/some/dir": NODE_OPTIONS may not carry --cpu-prof).
 */
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createDatabase, dropDatabase, withDatabase } from "../src/db/admin.js";
import { loadConfig } from "../src/config/config.js";
import { createPrismaClient } from "../src/db/prisma-client.js";
import { prepareDatabase } from "../src/db/setup.js";
import { createLifecycle } from "../src/bin/lifecycle-wiring.js";
import { EpochTransition, extraLag } from "../src/domain/index.js";
import { recordResult } from "./report.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export async function main(): Promise<void> {
  const topics = env("BENCH_TOPICS", 200);
  const settings = { epochLength: env("BENCH_EPOCH_LENGTH", 10), workerSubmissionWindow: env("BENCH_WSW", 5), groundTruthLag: env("BENCH_GTL", 40) };
  const measureS = env("BENCH_MEASURE_S", 60);
  const workers = env("BENCH_WORKERS", 1);
  const lifetimeS = settings.groundTruthLag + extraLag(settings) + settings.epochLength;
  const adminUrl = withDatabase(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres", "postgres");
  const dbName = `ew_bench_${process.pid}`;
  const url = withDatabase(adminUrl, dbName);

  await dropDatabase(adminUrl, dbName);
  await createDatabase(adminUrl, dbName);
  await prepareDatabase(url);
  const prisma = createPrismaClient(url, { max: 4 });
  const { commands } = createLifecycle(prisma, loadConfig());
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < workers; i++) children.push(spawnWorker(url));
    await sleep(3000); // let the workers connect

    const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
    const loadAtStart = load();
    console.log(`load average at start: ${loadAtStart} (${os.cpus().length} CPUs; other work on the host inflates the tail)`);
    console.log(`lateness: ${topics} topics ${JSON.stringify(settings)} → ${(topics * lifetimeS) / settings.epochLength} epochs in flight; ${workers} worker process(es)`);
    const ids: bigint[] = [];
    for (let i = 0; i < topics; i++) ids.push((await commands.createTopic(settings)).id);
    // Activate at random instants over one epochLength so the schedule is spread like real topics.
    const offsets = ids.map(() => Math.random() * settings.epochLength * 1000).sort((a, b) => a - b);
    const t0 = Date.now();
    for (let i = 0; i < ids.length; i++) {
      await sleep(Math.max(0, t0 + offsets[i]! - Date.now()));
      await commands.activateTopic(ids[i]!);
    }
    const measureFrom = Date.now() + lifetimeS * 1000;
    const measureTo = measureFrom + measureS * 1000;
    console.log(`warming up ${lifetimeS} s, then measuring ${measureS} s`);
    const inFlight: number[] = [];
    while (Date.now() < measureTo + 2000) {
      await sleep(1000);
      if (Date.now() >= measureFrom && Date.now() < measureTo) {
        const rows = await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM epoch WHERE state < 5`;
        inFlight.push(rows[0]!.n);
      }
    }
    const stats = await prisma.$queryRaw<{ n: number; p50: number; p90: number; p99: number; max: number; min: number }[]>`
      WITH l AS (
        SELECT extract(epoch FROM at - due_at) * 1000 AS ms FROM transition_record
        WHERE source = 0 AND due_at >= ${new Date(measureFrom)} AND due_at < ${new Date(measureTo)})
      SELECT count(*)::int AS n,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::float8 AS p50,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::float8 AS p90,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::float8 AS p99,
             max(ms)::float8 AS max, min(ms)::float8 AS min
      FROM l`;
    const s = stats[0]!;
    const avg = inFlight.reduce((a, b) => a + b, 0) / Math.max(1, inFlight.length);
    console.log(`transitions measured: ${s.n} (${(s.n / measureS).toFixed(0)}/s)`);
    console.log(`epochs in flight: min ${Math.min(...inFlight)}, avg ${avg.toFixed(0)}, max ${Math.max(...inFlight)}`);
    console.log(`lateness ms: p50 ${s.p50.toFixed(1)}  p90 ${s.p90.toFixed(1)}  p99 ${s.p99.toFixed(1)}  max ${s.max.toFixed(1)}  (min ${s.min.toFixed(1)})`);
    const byStep = await prisma.$queryRaw<{ transition: number; n: number; p50: number; p99: number; max: number }[]>`
      SELECT transition, count(*)::int AS n,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM at - due_at) * 1000)::float8 AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM at - due_at) * 1000)::float8 AS p99,
             (max(extract(epoch FROM at - due_at)) * 1000)::float8 AS max
      FROM transition_record WHERE source = 0 AND due_at >= ${new Date(measureFrom)} AND due_at < ${new Date(measureTo)}
      GROUP BY transition ORDER BY transition`;
    for (const r of byStep) {
      console.log(`  ${EpochTransition[r.transition]!.padEnd(20)} n ${String(r.n).padStart(5)}  p50 ${r.p50.toFixed(1)}  p99 ${r.p99.toFixed(1)}  max ${r.max.toFixed(1)}`);
    }
    const verdict = s.p99 <= 50 ? "PASS" : "FAIL";
    console.log(`goal p99 ≤ 50 ms: ${verdict}`);
    console.log(`load average at end: ${load()}`);
    if (process.env.BENCH_RECORD !== "0") {
      await recordResult("lateness", [
        `${topics} topics ${JSON.stringify(settings)}, ${workers} worker process(es); epochs in flight avg ${avg.toFixed(0)}; ${s.n} scheduled transitions due in ${measureS} s; load at start ${loadAtStart}, at end ${load()}`,
        "",
        "| transition | n | p50 | p99 | max |",
        "|---|---|---|---|---|",
        ...byStep.map((r) => `| ${EpochTransition[r.transition]} | ${r.n} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.max.toFixed(1)} ms |`),
        `| **all** | ${s.n} | ${s.p50.toFixed(1)} ms | ${s.p99.toFixed(1)} ms | ${s.max.toFixed(1)} ms |`,
        "",
        `Goal p99 ≤ 50 ms: ${verdict}.`,
      ]);
    }
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${new Date().toISOString()}`);
    for (const id of ids) await commands.deactivateTopic(id);
  } finally {
    await Promise.all(children.map(stopChild));
    await prisma.$disconnect();
    await dropDatabase(adminUrl, dbName);
  }
}

function spawnWorker(url: string): ChildProcess {
  const entry = path.resolve(import.meta.dirname, "../src/bin/worker.ts");
  const extra = (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  return spawn(process.execPath, [...extra, "--import", "tsx", entry], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
