/**
 * `npm run bench -- queries [preset]`: throughput of the two hot open-window queries — one topic's
 * open worker windows, and the global first page of 50 — at fixed concurrency against our API (as
 * configured by default, and once more with its open-window cache off, to show the SQL path alone),
 * PostGraphile 4.14.1 over the same tables, and the same SQL through raw `pg` (the ceiling). Before
 * measuring, all servers must return the same rows in the same order; during the runs, every
 * response must equal the verified one. Goal: ours ≥ 1.0× PostGraphile req/s on both queries.
 *
 * Settings (environment): BENCH_PRESET or the argument (default full: 10,000 topics × 1,000,000
 * epochs), BENCH_TOPICS / BENCH_EPOCHS, BENCH_CONNECTIONS (50), BENCH_DURATION_S (10 per run),
 * BENCH_WARMUP_S (3, once per server and query), BENCH_ROUNDS (3; servers rotate order each round,
 * medians are reported), BENCH_DATABASE_URL (measure an already generated database instead),
 * DATABASE_URL (server).
 */
import os from "node:os";
import pg from "pg";
import { fromStored } from "../src/db/uint64-column.js";
import { EpochState } from "../src/domain/index.js";
import { createBenchDatabase } from "./bench-database.js";
import { startOurApi, startPostGraphile, startRawSqlServer, type BenchServer } from "./bench-servers.js";
import { generateData } from "./data-generator.js";
import { datasetSizeFromArgs, formatCount } from "./dataset-size.js";
import { runLoad, type LoadResult } from "./http-load.js";
import {
  assertSamePages,
  oursDialect,
  postgraphileDialect,
  queryLabel,
  rawDialect,
  type NormalisedPage,
  type OpenWindowQuery,
  type QueryDialect,
} from "./open-window-queries.js";
import { recordResult } from "./report.js";

export interface QueryBenchOptions {
  /** A database already holding generated data. */
  readonly databaseUrl: string;
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
  readonly log?: (line: string) => void;
}

export interface ServerFigures {
  readonly server: string;
  /** Medians over the rounds. */
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
}

export interface QueryFigures {
  readonly label: string;
  readonly rows: number;
  readonly servers: readonly ServerFigures[];
}

export type Contender = { readonly server: BenchServer; readonly dialect: QueryDialect };

/** Our API with the open-window cache off: what the SQL path alone does. */
const UNCACHED = "ours, no cache";

/** The topic with the most open worker windows (ties: highest id), so its page is not empty. */
export async function busiestTopic(databaseUrl: string): Promise<bigint> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ topic_id: string }>(
      `SELECT topic_id::text FROM epoch WHERE state = $1 GROUP BY topic_id ORDER BY count(*) DESC, topic_id DESC LIMIT 1`,
      [EpochState.WORKER_SUBMISSION],
    );
    if (!rows[0]) throw new Error("no epoch has an open worker window: generate data first");
    return fromStored(BigInt(rows[0].topic_id));
  } finally {
    await client.end();
  }
}

export async function ask(c: Contender, q: OpenWindowQuery): Promise<{ text: string; page: NormalisedPage }> {
  const res = await fetch(c.server.origin + c.dialect.path, { method: "POST", headers: { "content-type": "application/json" }, body: c.dialect.body(q) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${c.server.name} answered ${queryLabel(q)} with HTTP ${res.status}: ${text.slice(0, 500)}`);
  return { text, page: c.dialect.normalise(JSON.parse(text)) };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** Starts the servers, checks they agree, measures; throws when they disagree or a response fails. */
export async function runQueryComparison(opts: QueryBenchOptions): Promise<QueryFigures[]> {
  const log = opts.log ?? console.log;
  const queries: OpenWindowQuery[] = [{ kind: "topic", topicId: await busiestTopic(opts.databaseUrl) }, { kind: "global" }];
  const started = await Promise.allSettled([
    startOurApi(opts.databaseUrl),
    startOurApi(opts.databaseUrl, UNCACHED, { OPEN_WINDOW_CACHE_TTL_MS: "0" }),
    startPostGraphile(opts.databaseUrl),
    startRawSqlServer(opts.databaseUrl),
  ]);
  const servers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    const [ours, uncached, postgraphile, raw] = servers as [BenchServer, BenchServer, BenchServer, BenchServer];
    const contenders: Contender[] = [
      { server: ours, dialect: oursDialect },
      { server: uncached, dialect: oursDialect },
      { server: postgraphile, dialect: postgraphileDialect },
      { server: raw, dialect: rawDialect },
    ];

    // Same rows, same order, same page boundary from every server, or no measurement at all.
    const expected = new Map<string, string>();
    const rowCounts: number[] = [];
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
      rowCounts.push(rows);
      log(`verified ${queryLabel(q)}: ${rows} identical rows from ${contenders.map((c) => c.server.name).join(", ")} (hasNextPage ${answers[0]!.page.hasNextPage})`);
    }

    const results = new Map<string, LoadResult[]>();
    for (let round = 0; round < opts.rounds; round++) {
      for (const q of queries) {
        // Rotate who goes first, so drift in the host's load does not always favour the same server.
        const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
        for (const c of order) {
          const key = `${c.server.name}|${queryLabel(q)}`;
          const load = { url: c.server.origin + c.dialect.path, body: c.dialect.body(q), expectBody: expected.get(key)!, connections: opts.connections };
          if (round === 0 && opts.warmupS > 0) await runLoad({ ...load, durationS: opts.warmupS });
          const r = await runLoad({ ...load, durationS: opts.durationS });
          if (r.failures > 0) throw new Error(`${c.server.name} ${queryLabel(q)}: ${r.failures} of ${r.requests} responses failed (non-2xx, errors or a body other than the verified one)`);
          if (r.requests === 0) throw new Error(`${c.server.name} ${queryLabel(q)}: no response within ${opts.durationS} s`);
          results.set(key, [...(results.get(key) ?? []), r]);
          log(`  round ${round + 1}/${opts.rounds} ${queryLabel(q).padEnd(52)} ${c.server.name.padEnd(15)} ${r.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  (load ${os.loadavg()[0]!.toFixed(2)})`);
        }
      }
    }
    return queries.map((q, i) => ({
      label: queryLabel(q),
      rows: rowCounts[i]!,
      servers: contenders.map((c) => {
        const runs = results.get(`${c.server.name}|${queryLabel(q)}`)!;
        return {
          server: c.server.name,
          reqPerSec: median(runs.map((r) => r.reqPerSec)),
          p50: median(runs.map((r) => r.p50)),
          p99: median(runs.map((r) => r.p99)),
          requests: runs.reduce((n, r) => n + r.requests, 0),
        };
      }),
    }));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Ratios and the goal verdict, as table lines. */
export function queryReport(figures: readonly QueryFigures[]): { lines: string[]; pass: boolean } {
  const lines = ["| query | rows | server | req/s | p50 | p99 |", "|---|---|---|---|---|---|"];
  let pass = true;
  const verdicts: string[] = [];
  for (const f of figures) {
    for (const s of f.servers) lines.push(`| ${f.label} | ${f.rows} | ${s.server} | ${s.reqPerSec.toFixed(0)} | ${s.p50.toFixed(1)} ms | ${s.p99.toFixed(1)} ms |`);
    const [ours, uncached, peer, raw] = f.servers as [ServerFigures, ServerFigures, ServerFigures, ServerFigures];
    const vsPeer = ours.reqPerSec / peer.reqPerSec;
    pass &&= vsPeer >= 1;
    verdicts.push(
      `${f.label}: ours/PostGraphile **${vsPeer.toFixed(2)}×** ${vsPeer >= 1 ? "PASS" : "FAIL"}, ours/raw ${(ours.reqPerSec / raw.reqPerSec).toFixed(2)}×; ` +
        `without the cache ${(uncached.reqPerSec / peer.reqPerSec).toFixed(2)}× PostGraphile, ${(uncached.reqPerSec / raw.reqPerSec).toFixed(2)}× raw`,
    );
  }
  lines.push("", ...verdicts.map((v) => `- ${v}`), "", `Goal ours ≥ 1.0× PostGraphile req/s on both open-window queries: **${pass ? "PASS" : "FAIL"}**.`);
  return { lines, pass };
}

export async function main(): Promise<void> {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const opts = { connections: env("BENCH_CONNECTIONS", 50), durationS: env("BENCH_DURATION_S", 10), warmupS: env("BENCH_WARMUP_S", 3), rounds: env("BENCH_ROUNDS", 3) };
  const given = process.env.BENCH_DATABASE_URL;
  const { label, size } = datasetSizeFromArgs(process.argv[3], "full");
  const db = given ? null : await createBenchDatabase("queries");
  try {
    let dataset = `database ${given}`;
    if (db) {
      console.log(`generating ${label}: ${formatCount(size.topics)} topics × ${formatCount(size.epochs)} epochs`);
      const data = await generateData(db.url, size);
      dataset = `${label}: ${formatCount(size.topics)} topics × ${formatCount(size.epochs)} epochs (${formatCount(data.byState.WORKER_SUBMISSION!)} open worker windows)`;
    }
    console.log(`queries: ${dataset}; ${opts.connections} connections, ${opts.rounds} round(s) of ${opts.durationS} s per server and query`);
    const figures = await runQueryComparison({ databaseUrl: given ?? db!.url, ...opts });
    const { lines } = queryReport(figures);
    console.log(lines.join("\n"));
    await recordResult("queries", [
      `${dataset}; autocannon, ${opts.connections} connections, POST, median of ${opts.rounds} run(s) of ${opts.durationS} s per server (after ${opts.warmupS} s warm-up); all servers return identical rows (checked before, and every response compared during, the runs).`,
      "",
      ...lines,
    ]);
  } finally {
    await db?.drop();
  }
}
