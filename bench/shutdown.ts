/**
 * SIGTERM with a backlog: BENCH_BACKLOG epochs (default 50,000) whose four remaining steps are all
 * overdue are written straight into a throw-away database (200,000 due transitions); a
 * `src/bin/worker.ts` process starts on them and, once it has committed BENCH_STOP_AFTER (20,000: mid-drain, at full speed)
 * transitions, gets SIGTERM. Measured: the time from the signal to the process's exit (goal ≤ 10 s:
 * it finishes the batch in flight and leaves the rest due) and its exit code; then the backlog left
 * (DUE_BACKLOG: epochs and topics with work due now; must be > 0: the rest stays due), and a fresh worker must drain it, every epoch's four
 * transitions in the log exactly once.
 *
 * Settings (environment): BENCH_BACKLOG, BENCH_STOP_AFTER, DATABASE_URL (server), BENCH_RECORD=0.
 */
import type pg from "pg";
import { setTimeout as sleep } from "node:timers/promises";
import { createLifecycle } from "../src/bin/lifecycle-wiring.js";
import { createDatabaseClient } from "../src/db/prisma-client.js";
import { DUE_BACKLOG } from "../src/db/sql/scheduler.js";
import { EpochState, SCHEDULED_STEPS, TransitionSource } from "../src/domain/index.js";
import { createBenchDatabase } from "./bench-database.js";
import { loadAverage, recordResult } from "./report.js";
import { insertDueEpochs } from "./scheduled-rows.js";
import { startWorkerProcess } from "./worker-processes.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const GOAL_MS = 10_000;

async function count(pool: pg.Pool, sql: string): Promise<number> {
  return Number((await pool.query<{ n: string | number }>(sql)).rows[0]!.n);
}

const LOGGED = `SELECT count(*) AS n FROM transition_record WHERE source = ${TransitionSource.SCHEDULER}`;

export async function main(): Promise<void> {
  const backlog = env("BENCH_BACKLOG", 50_000);
  const stopAfter = env("BENCH_STOP_AFTER", 20_000);
  const loadStart = loadAverage();
  const db = await createBenchDatabase("shutdown");
  const { prisma, pool } = createDatabaseClient(db.url, { max: 4 });
  try {
    const { commands } = createLifecycle({ prisma, pool });
    const settings = { epochLength: 10, workerSubmissionWindow: 5, groundTruthLag: 40 };
    const topics = await Promise.all(Array.from({ length: 100 }, async () => (await commands.createTopic(settings)).id));
    await insertDueEpochs(pool, { topics, count: backlog, firstNonce: 0, firstCloseAt: Date.now() - 3_600_000, spacingMs: 1, stepGapMs: 1000 });
    await pool.query("ANALYZE epoch");
    const due = await count(pool, DUE_BACKLOG);
    console.log(`shutdown: ${backlog} overdue epochs (${backlog * SCHEDULED_STEPS.length} transitions), DUE_BACKLOG ${due}; load ${loadStart}`);

    const first = await startWorkerProcess(db.url);
    while ((await count(pool, LOGGED)) < stopAfter) await sleep(20);
    const stop = await first.stop();
    const appliedBefore = await count(pool, LOGGED);
    const left = await count(pool, DUE_BACKLOG);
    const stopPass = stop.ms <= GOAL_MS && stop.code === 0;
    console.log(`SIGTERM after ≥ ${stopAfter} transitions: exited in ${(stop.ms / 1000).toFixed(2)} s, code ${stop.code} (goal ≤ 10 s, clean) ${stopPass ? "PASS" : "FAIL"}`);
    console.log(`applied before exit: ${appliedBefore} transitions; DUE_BACKLOG after: ${left} ${left > 0 ? "PASS" : "FAIL"}`);

    const t0 = performance.now();
    const second = await startWorkerProcess(db.url);
    const deadline = Date.now() + 600_000;
    while ((await count(pool, `SELECT count(*) AS n FROM epoch WHERE state = ${EpochState.COMPLETED}`)) < backlog) {
      if (Date.now() > deadline) throw new Error("the fresh worker did not drain the backlog within 10 minutes");
      await sleep(200);
    }
    const drainS = (performance.now() - t0) / 1000;
    await second.stop();
    const logged = await count(pool, LOGGED);
    const distinct = await count(pool, `SELECT count(DISTINCT (topic_id, nonce, transition)) AS n FROM transition_record WHERE source = ${TransitionSource.SCHEDULER}`);
    const expected = backlog * SCHEDULED_STEPS.length;
    const drainPass = logged === expected && distinct === expected && (await count(pool, DUE_BACKLOG)) === 0;
    console.log(`fresh worker drained the rest in ${drainS.toFixed(1)} s (incl. start-up); log ${logged} records, ${distinct} distinct, expected ${expected} ${drainPass ? "PASS" : "FAIL"}`);
    const verdict = stopPass && left > 0 && drainPass ? "PASS" : "FAIL";
    console.log(`shutdown: ${verdict}; load ${loadAverage()}`);
    if (process.env.BENCH_RECORD !== "0") {
      await recordResult("shutdown", [
        `${backlog} epochs with all four remaining steps overdue (${backlog * SCHEDULED_STEPS.length} transitions; DUE_BACKLOG — epochs and topics with work due now — ${due}), one src/bin/worker.ts process sent SIGTERM once it had committed ≥ ${stopAfter}; load average at start ${loadStart}, at end ${loadAverage()} (host shared with other sessions).`,
        "",
        "| measure | value | goal |",
        "|---|---|---|",
        `| SIGTERM → exit | **${(stop.ms / 1000).toFixed(2)} s**, exit code ${stop.code} | ≤ 10 s, clean: ${stopPass ? "PASS" : "FAIL"} |`,
        `| transitions applied before exit / DUE_BACKLOG after | ${appliedBefore} / ${left} | still due > 0: ${left > 0 ? "PASS" : "FAIL"} |`,
        `| fresh worker drains the rest | ${drainS.toFixed(1)} s; ${logged} log records, ${distinct} distinct (expected ${expected}) | exactly once, nothing left: ${drainPass ? "PASS" : "FAIL"} |`,
        "",
        `Shutdown with a backlog: **${verdict}**.`,
      ]);
    }
  } finally {
    await prisma.$disconnect();
    await db.drop();
  }
}
