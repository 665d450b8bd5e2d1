/**
 * `npm run bench -- reads-under-writes [preset]`: the two hot open-window queries — one topic's
 * open worker windows, and the global first page of 50 — against our API, PostGraphile 4 and the
 * same SQL through raw `pg`, on one generated database, in three phases: quiet, ~30 and ~150
 * commits/s. The writes come from a separate load process (bench/write-load.ts) calling the
 * service's own mutations on a separate API instance (so the measured servers only read, all
 * three alike), and a scheduler worker process (`npm run worker`) runs from the first write phase on
 * (after it has caught up the steps the generated data left overdue), stepping the
 * epochs those mutations start. The commit rate achieved is counted from transition_record.
 *
 * Correctness: in the quiet phase all servers must return identical pages and every response must
 * equal the verified one; under writes every response must be a 2xx `{"data":…}` with no errors.
 * Goals, every phase and both queries: ours ≥ 2× PostGraphile and ≥ 0.5× raw pg req/s.
 *
 * Settings (environment): BENCH_PRESET or the argument (default medium), BENCH_CONNECTIONS (50),
 * BENCH_DURATION_S (5 per run), BENCH_WARMUP_S (2, once per server and query), BENCH_ROUNDS (2;
 * servers rotate order each round, medians reported), BENCH_SETTLE_S (5: writes run this long
 * before a phase is measured), BENCH_PHASES ("0,30,150": target commits/s), BENCH_DATABASE_URL
 * (an already generated database; it is written to), BENCH_API_NODE_FLAGS (e.g. --cpu-prof),
 * BENCH_SERVER_LOGS=1 (the servers' logs on stderr).
 */
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { createBenchDatabase } from "./bench-database.js";
import { startOurApi, startPostGraphile, startRawSqlServer, startWorker, type BenchServer } from "./bench-servers.js";
import { generateData } from "./data-generator.js";
import { datasetSizeFromArgs, formatCount } from "./dataset-size.js";
import { runLoad, type LoadResult } from "./http-load.js";
import { assertSamePages, oursDialect, postgraphileDialect, queryLabel, rawDialect, type OpenWindowQuery } from "./open-window-queries.js";
import { ask, busiestTopic, median, type Contender, type QueryFigures } from "./queries.js";
import { recordResult } from "./report.js";
import { startWriteLoad, type WriteLoadReport } from "./write-load-process.js";
import { dueBacklog } from "../src/db/sql/scheduler.js";

export interface ReadsUnderWritesOptions {
  readonly databaseUrl: string;
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
  readonly settleS: number;
  /** Target commits/s per phase; 0 is the quiet phase (it must come first: pages are compared there). */
  readonly phases: readonly number[];
  readonly log?: (line: string) => void;
}

export interface PhaseFigures {
  readonly target: number;
  /** Transitions committed per second while the phase was measured (transition_record rows). */
  readonly commitsPerS: number;
  readonly writes: WriteLoadReport | null;
  readonly queries: readonly QueryFigures[];
}

/** Under writes the page changes; what must hold is a data answer without errors. */
const isDataAnswer = (body: string) => body.startsWith('{"data":{"') && !body.includes('"errors"');

/** Waits until nothing is due and unapplied (the scheduler's backlog is 0); how much there was, and how long it took. */
async function waitForNoBacklog(databaseUrl: string, deadlineMs: number): Promise<{ initial: number; seconds: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const t0 = performance.now();
    const backlog = async () => Number((await client.query<{ n: string }>(dueBacklog())).rows[0]!.n);
    const initial = await backlog();
    for (let n = initial; n > 0; n = await backlog()) {
      if (performance.now() - t0 > deadlineMs) throw new Error(`the worker did not catch up: ${n} steps still due after ${deadlineMs / 1000} s`);
      await sleep(200);
    }
    return { initial, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await client.end();
  }
}

export async function runReadsUnderWrites(opts: ReadsUnderWritesOptions): Promise<PhaseFigures[]> {
  const log = opts.log ?? console.log;
  if (opts.phases.some((t, i) => t === 0 && i > 0)) throw new Error("the quiet phase (0) must come first: writes leave scheduled steps behind");
  const queries: OpenWindowQuery[] = [{ kind: "topic", topicId: await busiestTopic(opts.databaseUrl) }, { kind: "global" }];
  const started = await Promise.allSettled([
    startOurApi(opts.databaseUrl),
    startPostGraphile(opts.databaseUrl),
    startRawSqlServer(opts.databaseUrl),
    startOurApi(opts.databaseUrl, "writer API", { DB_POOL_MAX: "20" }),
  ]);
  const servers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const counter = new pg.Client({ connectionString: opts.databaseUrl });
  await counter.connect();
  const lastId = async () => (await counter.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM transition_record`)).rows[0]!.id;
  const countSince = async (id: string) => Number((await counter.query<{ n: string }>(`SELECT count(*) AS n FROM transition_record WHERE id > $1`, [id])).rows[0]!.n);
  try {
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    const [ours, postgraphile, raw, writer] = servers as [BenchServer, BenchServer, BenchServer, BenchServer];
    const contenders: Contender[] = [
      { server: ours, dialect: oursDialect },
      { server: postgraphile, dialect: postgraphileDialect },
      { server: raw, dialect: rawDialect },
    ];
    const phases: PhaseFigures[] = [];
    for (const target of opts.phases) {
      // The scheduler worker joins with the writes: the generated epochs' windows are real, so a
      // worker running through the quiet phase would step them and change the pages being verified.
      if (target > 0 && !servers.some((s) => s.name === "worker")) {
        servers.push(await startWorker(opts.databaseUrl));
        // Steps the generated data left due by now (its windows ran on while it was written and
        // verified) are caught up first, or the first phase would measure that burst, not its rate.
        const caughtUp = await waitForNoBacklog(opts.databaseUrl, 300_000);
        log(`worker started: ${caughtUp.initial} overdue steps and starts of the generated data caught up in ${caughtUp.seconds.toFixed(1)} s`);
      }
      const load = target > 0 ? startWriteLoad(writer.origin, opts.databaseUrl, target) : null;
      try {
        const expected = new Map<string, string>();
        if (load) {
          await sleep(opts.settleS * 1000);
          const r = load.latest();
          log(`phase ~${target} commits/s: writing for ${opts.settleS} s, last second ${r ? `${r.commitsPerS} commits/s from ${r.mutationsPerS} mutations/s` : "not reported yet"}`);
        } else {
          // Same rows, same order, same page boundary from every server, or no measurement at all.
          for (const q of queries) {
            const answers = [];
            for (const c of contenders) {
              const a = await ask(c, q);
              expected.set(`${c.server.name}|${queryLabel(q)}`, a.text);
              answers.push({ server: c.server.name, page: a.page });
            }
            assertSamePages(queryLabel(q), answers);
            const rows = answers[0]!.page.rows.length;
            if (rows === 0) throw new Error(`${queryLabel(q)}: every server returned an empty page; the comparison would prove nothing`);
            log(`quiet: verified ${queryLabel(q)}: ${rows} identical rows from ${contenders.map((c) => c.server.name).join(", ")}`);
          }
        }
        const fromId = await lastId();
        const fromAt = performance.now();
        const results = new Map<string, LoadResult[]>();
        for (let round = 0; round < opts.rounds; round++) {
          for (const q of queries) {
            // Rotate who goes first, so drift in the host's load does not always favour the same server.
            const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
            for (const c of order) {
              const key = `${c.server.name}|${queryLabel(q)}`;
              const check = load ? { verifyBody: isDataAnswer } : { expectBody: expected.get(key)! };
              const spec = { url: c.server.origin + c.dialect.path, body: c.dialect.body(q), connections: opts.connections, ...check };
              if (round === 0 && phases.length === 0 && opts.warmupS > 0) await runLoad({ ...spec, durationS: opts.warmupS });
              const r = await runLoad({ ...spec, durationS: opts.durationS });
              const what = load ? "non-2xx, errors or no data" : "non-2xx, errors or a body other than the verified one";
              if (r.failures > 0) throw new Error(`~${target} commits/s, ${c.server.name} ${queryLabel(q)}: ${r.failures} of ${r.requests} responses failed (${what})`);
              if (r.requests === 0) throw new Error(`${c.server.name} ${queryLabel(q)}: no response within ${opts.durationS} s`);
              results.set(key, [...(results.get(key) ?? []), r]);
              log(`  ~${String(target).padStart(3)} commits/s round ${round + 1}/${opts.rounds} ${queryLabel(q).padEnd(52)} ${c.server.name.padEnd(12)} ${r.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  (load ${os.loadavg()[0]!.toFixed(2)}${load ? `, writes ${load.latest()?.commitsPerS ?? "?"} commits/s` : ""})`);
            }
          }
        }
        const commitsPerS = (await countSince(fromId)) / ((performance.now() - fromAt) / 1000);
        const writes = load ? await load.stop() : null;
        // Writes failing (e.g. the writer API's pool timing out on an overloaded host) are reported, not fatal: reads are measured.
        const failures = writes?.failed ? `; ${writes.failed} mutations FAILED (last: ${writes.lastError}; BENCH_SERVER_LOGS=1 shows the writer API's log)` : "";
        log(`phase ~${target} commits/s: measured ${commitsPerS.toFixed(1)} commits/s${writes ? ` (${writes.refused} mutations refused by a racing worker, as expected${failures})` : ""}`);
        phases.push({
          target,
          commitsPerS,
          writes,
          queries: queries.map((q) => {
            const servers = contenders.map((c) => {
              const runs = results.get(`${c.server.name}|${queryLabel(q)}`)!;
              return {
                server: c.server.name,
                reqPerSec: median(runs.map((r) => r.reqPerSec)),
                p50: median(runs.map((r) => r.p50)),
                p99: median(runs.map((r) => r.p99)),
                requests: runs.reduce((n, r) => n + r.requests, 0),
              };
            });
            return { label: queryLabel(q), rows: 0, servers };
          }),
        });
      } finally {
        await load?.stop();
      }
    }
    return phases;
  } finally {
    await counter.end();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Ratios and the goal verdict per phase, as table lines. */
export function readsUnderWritesReport(phases: readonly PhaseFigures[]): { lines: string[]; pass: boolean } {
  const lines = ["| phase | commits/s | query | ours | PostGraphile | raw pg | ours/PG | ours/raw | p99 ours / PG / raw |", "|---|---|---|---|---|---|---|---|---|"];
  let pass = true;
  for (const p of phases) {
    for (const f of p.queries) {
      const [ours, peer, raw] = f.servers as [QueryFigures["servers"][0], QueryFigures["servers"][0], QueryFigures["servers"][0]];
      const vsPeer = ours.reqPerSec / peer.reqPerSec;
      const vsRaw = ours.reqPerSec / raw.reqPerSec;
      const ok = vsPeer >= 2 && vsRaw >= 0.5;
      pass &&= ok;
      lines.push(
        `| ${p.target === 0 ? "quiet" : `~${p.target}`} | ${p.commitsPerS.toFixed(1)} | ${f.label} | ${ours.reqPerSec.toFixed(0)} | ${peer.reqPerSec.toFixed(0)} | ${raw.reqPerSec.toFixed(0)} | ` +
          `**${vsPeer.toFixed(2)}×** | **${vsRaw.toFixed(2)}×** | ${ours.p99.toFixed(1)} / ${peer.p99.toFixed(1)} / ${raw.p99.toFixed(1)} ms ${ok ? "PASS" : "FAIL"} |`,
      );
    }
  }
  lines.push("", `Goals, every phase and both queries: ours ≥ 2× PostGraphile and ≥ 0.5× raw pg req/s: **${pass ? "PASS" : "FAIL"}**.`);
  return { lines, pass };
}

export async function main(): Promise<void> {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const opts = {
    connections: env("BENCH_CONNECTIONS", 50),
    durationS: env("BENCH_DURATION_S", 5),
    warmupS: env("BENCH_WARMUP_S", 2),
    rounds: env("BENCH_ROUNDS", 2),
    settleS: env("BENCH_SETTLE_S", 5),
    phases: (process.env.BENCH_PHASES ?? "0,30,150").split(",").map(Number),
  };
  const given = process.env.BENCH_DATABASE_URL;
  const { label, size } = datasetSizeFromArgs(process.argv[3], "medium");
  const db = given ? null : await createBenchDatabase("reads_writes");
  try {
    let dataset = `database ${given}`;
    if (db) {
      console.log(`generating ${label}: ${formatCount(size.topics)} topics × ${formatCount(size.epochs)} epochs`);
      const data = await generateData(db.url, size);
      dataset = `${label}: ${formatCount(size.topics)} topics × ${formatCount(size.epochs)} epochs (${formatCount(data.byState.WORKER_SUBMISSION!)} open worker windows)`;
    }
    const loadBefore = os.loadavg()[0]!.toFixed(2);
    console.log(`reads-under-writes: ${dataset}; ${opts.connections} connections, ${opts.rounds} round(s) of ${opts.durationS} s per server, query and phase (load average ${loadBefore})`);
    const phases = await runReadsUnderWrites({ databaseUrl: given ?? db!.url, ...opts });
    const { lines } = readsUnderWritesReport(phases);
    console.log(lines.join("\n"));
    const writes = phases.filter((p) => p.writes).map((p) => `~${p.target}: ${p.writes!.refused} refused${p.writes!.failed ? `, ${p.writes!.failed} failed (${p.writes!.lastError})` : ""}`).join(", ");
    await recordResult("reads-under-writes", [
      `${dataset}; autocannon, ${opts.connections} connections, POST, median of ${opts.rounds} run(s) of ${opts.durationS} s per server, query and phase (after ${opts.warmupS} s warm-up, servers rotating); ` +
        `writes: bench/write-load.ts mutations on a separate API instance + one \`npm run worker\`, commits/s counted from transition_record while measuring (mutations refused by a racing worker: ${writes || "none"}). ` +
        `Quiet: identical pages from all servers, every response equal to the verified one; under writes: every response a 2xx data answer without errors. Load average ${loadBefore} before, ${os.loadavg()[0]!.toFixed(2)} after.`,
      "",
      ...lines,
    ]);
  } finally {
    await db?.drop();
  }
}
