/**
 * `npm run bench -- scaling`: p50 latency of the two open-window queries against our API at 10k,
 * 100k and 1M epochs (presets small, medium, full: 100 epochs per topic, so the open windows grow
 * with the topics), each generated into a database of its own. The API runs with its open-window
 * cache off (OPEN_WINDOW_CACHE_TTL_MS=0): what must not grow with the table is the SQL path, and a
 * cache hit would hide it. Each API's answers are first checked against the SQL. Sizes take turns
 * in every round, so drift in the host's load spreads over all of them. Goal: p50 at 1M ≤ 1.5× p50
 * at 10k, for both queries.
 *
 * Settings (environment): BENCH_SCALING_PRESETS (small,medium,full), BENCH_SCALING_CONNECTIONS
 * (1: latency of a request, not of a queue), BENCH_DURATION_S (10), BENCH_WARMUP_S (3),
 * BENCH_ROUNDS (3; medians reported), DATABASE_URL (server).
 */
import pg from "pg";
import { createBenchDatabase, type BenchDatabase } from "./bench-database.js";
import { startOurApi, type BenchServer } from "./bench-servers.js";
import { generateData } from "./data-generator.js";
import { PRESETS, type DatasetSize, type PresetName } from "./dataset-plan.js";
import { formatCount } from "./dataset-size.js";
import { runLoad } from "./http-load.js";
import { OPEN_WORKER_SQL, PAGE_SIZE, assertSamePages, oursDialect, queryLabel, type NormalisedPage, type OpenWindowQuery } from "./open-window-queries.js";
import { busiestTopic } from "./queries.js";
import { recordResult } from "./report.js";
import { fromStored, toStored } from "../src/db/uint64-column.js";
import { EpochState } from "../src/domain/index.js";

interface Step {
  readonly preset: string;
  readonly size: DatasetSize;
  readonly db: BenchDatabase;
  readonly api: BenchServer;
  readonly queries: readonly { readonly q: OpenWindowQuery; readonly body: string; readonly expect: string }[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** The page straight from SQL, to check the API against. */
async function sqlPage(url: string, q: OpenWindowQuery): Promise<NormalisedPage> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = q.kind === "topic"
      ? await client.query(OPEN_WORKER_SQL.topic, [String(toStored(q.topicId))])
      : await client.query(OPEN_WORKER_SQL.global);
    return {
      rows: rows.slice(0, PAGE_SIZE).map((r: { topic_id: string; nonce: string; state: number; worker_open_at: Date; worker_close_at: Date }) => ({
        topicId: String(fromStored(BigInt(r.topic_id))),
        nonce: String(fromStored(BigInt(r.nonce))),
        state: EpochState[r.state]!,
        openAt: r.worker_open_at.toISOString(),
        closeAt: r.worker_close_at.toISOString(),
      })),
      hasNextPage: rows.length > PAGE_SIZE,
    };
  } finally {
    await client.end();
  }
}

/** A generated database of the preset's size with an API on it whose answers match the SQL. */
async function prepareStep(preset: PresetName): Promise<Step> {
  const size = PRESETS[preset];
  if (!size) throw new Error(`unknown preset ${preset}: one of ${Object.keys(PRESETS).join(", ")}`);
  const db = await createBenchDatabase(`scaling_${preset}`);
  let api: BenchServer | null = null;
  try {
    console.log(`generating ${preset}: ${formatCount(size.topics)} topics × ${formatCount(size.epochs)} epochs`);
    await generateData(db.url, size);
    api = await startOurApi(db.url, `ours @ ${preset}`, { OPEN_WINDOW_CACHE_TTL_MS: "0" });
    const queries = [];
    for (const q of [{ kind: "topic", topicId: await busiestTopic(db.url) }, { kind: "global" }] as OpenWindowQuery[]) {
      const body = oursDialect.body(q);
      const res = await fetch(api.origin + oursDialect.path, { method: "POST", headers: { "content-type": "application/json" }, body });
      const expect = await res.text();
      assertSamePages(`${preset} ${queryLabel(q)}`, [{ server: "ours", page: oursDialect.normalise(JSON.parse(expect)) }, { server: "SQL", page: await sqlPage(db.url, q) }]);
      queries.push({ q, body, expect });
    }
    return { preset, size, db, api, queries };
  } catch (err) {
    await api?.stop();
    await db.drop();
    throw err;
  }
}

export async function main(): Promise<void> {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const presets = (process.env.BENCH_SCALING_PRESETS ?? "small,medium,full").split(",") as PresetName[];
  const connections = env("BENCH_SCALING_CONNECTIONS", 1);
  const durationS = env("BENCH_DURATION_S", 10);
  const warmupS = env("BENCH_WARMUP_S", 3);
  const rounds = env("BENCH_ROUNDS", 3);
  const steps: Step[] = [];
  try {
    for (const preset of presets) steps.push(await prepareStep(preset));

    const p50s = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (let qi = 0; qi < 2; qi++) {
        for (let i = 0; i < steps.length; i++) {
          const step = steps[(i + round) % steps.length]!;
          const { q, body, expect } = step.queries[qi]!;
          const load = { url: step.api.origin + oursDialect.path, body, expectBody: expect, connections };
          if (round === 0 && warmupS > 0) await runLoad({ ...load, durationS: warmupS });
          const r = await runLoad({ ...load, durationS });
          if (r.failures > 0 || r.requests === 0) throw new Error(`${step.preset} ${queryLabel(q)}: ${r.failures} failed of ${r.requests} responses`);
          const key = `${step.preset}|${qi}`;
          p50s.set(key, [...(p50s.get(key) ?? []), r.p50]);
          console.log(`  round ${round + 1}/${rounds} ${step.preset.padEnd(7)} ${queryLabel(q).padEnd(52)} p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ${r.reqPerSec.toFixed(0)} req/s`);
        }
      }
    }

    const lines = [`| epochs | topics | ${steps[0]!.queries.map(({ q }) => `${q.kind === "topic" ? "one topic" : "global first 50"} p50`).join(" | ")} |`, "|---|---|---|---|"];
    for (const step of steps) {
      lines.push(`| ${formatCount(step.size.epochs)} | ${formatCount(step.size.topics)} | ${[0, 1].map((qi) => `${median(p50s.get(`${step.preset}|${qi}`)!).toFixed(2)} ms`).join(" | ")} |`);
    }
    const [first, last] = [steps[0]!, steps.at(-1)!];
    let pass = true;
    lines.push("");
    for (const qi of [0, 1]) {
      const ratio = median(p50s.get(`${last.preset}|${qi}`)!) / median(p50s.get(`${first.preset}|${qi}`)!);
      pass &&= ratio <= 1.5;
      lines.push(`- ${qi === 0 ? "one topic" : "global first 50"}: p50 ${formatCount(last.size.epochs)} / ${formatCount(first.size.epochs)} = **${ratio.toFixed(2)}×** ${ratio <= 1.5 ? "PASS" : "FAIL"}`);
    }
    lines.push("", `Goal p50 at ${formatCount(last.size.epochs)} ≤ 1.5× p50 at ${formatCount(first.size.epochs)} on both queries: **${pass ? "PASS" : "FAIL"}**.`);
    console.log(lines.join("\n"));
    await recordResult("scaling", [
      `Our API with the open-window cache off (the SQL path), autocannon ${connections} connection(s), median p50 of ${rounds} run(s) of ${durationS} s per size and query (sizes take turns; ${warmupS} s warm-up); answers checked against the SQL first.`,
      "",
      ...lines,
    ]);
  } finally {
    for (const step of steps) {
      await step.api.stop();
      await step.db.drop();
    }
  }
}
