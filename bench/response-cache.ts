/**
 * `npm run bench -- response-cache`: the two hot open-window queries against one API process in
 * three configurations — no cache (OPEN_WINDOW_CACHE_TTL_MS=0), the open-window page cache only
 * (RESPONSE_CACHE_ENTRIES=0) and both caches (the default) — on a quiet database, then the topic
 * query while another API process starts epochs on other topics (~50 commits/s through its
 * mutations): with commit notices naming topics, those commits no longer drop the measured page.
 * Every response must be byte-identical to the one verified first. Goals: with both caches,
 * ≥ 1.5× the page cache alone on the quiet topic query, and ≥ 0.8× of its quiet rate under writes
 * elsewhere with ≥ 99 % of those requests answered by the response cache (the writer process and
 * PostgreSQL share the CPU, so the rate can fall for reasons the invalidation does not control). Short by design (BENCH_RC_SECONDS, default 5 s per run; 50 connections).
 */
import os from "node:os";
import pg from "pg";
import { createBenchDatabase } from "./bench-database.js";
import { startOurApi, type BenchServer } from "./bench-servers.js";
import { runLoad, type LoadResult } from "./http-load.js";
import { recordResult } from "./report.js";

const CONNECTIONS = 50;
const TOPICS = 200;

const TOPIC_QUERY = JSON.stringify({ query: `{ openWorkerWindows(topicId: "1") { totalCount edges { node { topicId nonce state workerWindow { openAt closeAt } } } pageInfo { hasNextPage } } }` });
const GLOBAL_QUERY = JSON.stringify({ query: `{ openWorkerWindows(first: 50) { edges { node { topicId nonce state workerWindow { openAt closeAt } } } pageInfo { hasNextPage } } }` });

async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  // 200 topics, each with 5 epochs in WORKER_SUBMISSION and 20 completed (nonces below the v1 range
  // the service's own starts use, so the writer's starts never collide with them).
  await c.query(`INSERT INTO topic (id, epoch_length, ground_truth_lag, worker_submission_window)
    SELECT u64_encode(g), 600, 600, 300 FROM generate_series(1, ${TOPICS}) g`);
  await c.query(`INSERT INTO epoch (topic_id, nonce, state, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at)
    SELECT u64_encode(t), u64_encode(n), CASE WHEN n > 20 THEN 1 ELSE 5 END,
      timestamp '2026-12-01' + (t * 100 + n) * interval '1 second', timestamp '2026-12-01' + (t * 100 + n + 300) * interval '1 second',
      timestamp '2026-12-01' + (t * 100 + n + 600) * interval '1 second', timestamp '2026-12-01' + (t * 100 + n + 900) * interval '1 second'
    FROM generate_series(1, ${TOPICS}) t, generate_series(1, 25) n`);
  await c.end();
}

async function load(server: BenchServer, body: string, seconds: number): Promise<LoadResult> {
  const url = `${server.origin}/graphql`;
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const expectBody = await res.text();
  if (!res.ok || expectBody.includes('"errors"')) throw new Error(`${server.name}: ${expectBody.slice(0, 300)}`);
  await runLoad({ url, body, expectBody, connections: CONNECTIONS, durationS: 1 }); // warm-up
  return runLoad({ url, body, expectBody, connections: CONNECTIONS, durationS: seconds });
}

/** The API's cache reads so far (page and response caches), from /metrics. */
async function cacheReads(server: BenchServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.origin}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^epoch_windows_read_cache_total\{cache="(\w+)",result="(\w+)"\} (\S+)$/gm)) out[`${m[1]}_${m[2]}`] = Number(m[3]);
  return out;
}

/** Starts epochs on topics 2..TOPICS through another API process, paced to ~50/s, until stopped. */
function writeElsewhere(writer: BenchServer): { stop(): Promise<number> } {
  let stopped = false;
  let commits = 0;
  const run = (async () => {
    for (let i = 0; !stopped; i++) {
      const started = Date.now();
      const topic = 2 + (i % (TOPICS - 1));
      const res = await fetch(`${writer.origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `mutation { startEpoch(topicId: "${topic}") { nonce } }` }),
      });
      const text = await res.text();
      if (text.includes('"errors"')) throw new Error(`writer: ${text.slice(0, 300)}`);
      commits++;
      await new Promise((r) => setTimeout(r, Math.max(0, 20 - (Date.now() - started))));
    }
  })();
  const t0 = Date.now();
  return {
    async stop() {
      stopped = true;
      await run;
      return commits / ((Date.now() - t0) / 1000);
    },
  };
}

export interface ResponseCacheBenchOptions {
  /** Seconds per measured run (BENCH_RC_SECONDS, default 5). */
  readonly seconds?: number;
  /** Append to bench/RESULTS.md (default true; the CI smoke run does not). */
  readonly record?: boolean;
  /** The server to create the bench database on (default: DATABASE_URL's, else the local one). */
  readonly adminUrl?: string;
}

export async function main(opts: ResponseCacheBenchOptions = {}): Promise<{ results: Map<string, LoadResult>; verdict: string[] }> {
  const SECONDS = opts.seconds ?? Number(process.env.BENCH_RC_SECONDS ?? 5);
  const loadBefore = os.loadavg()[0]!;
  const db = await createBenchDatabase("rcache", opts.adminUrl);
  const rows: string[] = [];
  const results = new Map<string, LoadResult>();
  let responseHitRatio = NaN;
  try {
    await seed(db.url);
    const configs: { name: string; env: Record<string, string> }[] = [
      { name: "no cache", env: { OPEN_WINDOW_CACHE_TTL_MS: "0" } },
      { name: "page cache", env: { OPEN_WINDOW_CACHE_TTL_MS: "1000", RESPONSE_CACHE_ENTRIES: "0" } },
      { name: "page + response cache", env: { OPEN_WINDOW_CACHE_TTL_MS: "1000", RESPONSE_CACHE_ENTRIES: "1000" } },
    ];
    const writer = await startOurApi(db.url, "writer", { OPEN_WINDOW_CACHE_TTL_MS: "0" });
    try {
      for (const c of configs) {
        const api = await startOurApi(db.url, c.name, c.env);
        try {
          for (const [q, body] of [["topic", TOPIC_QUERY], ["global", GLOBAL_QUERY]] as const) results.set(`${c.name}|${q}|quiet`, await load(api, body, SECONDS));
          const writes = writeElsewhere(writer);
          const readsBefore = await cacheReads(api);
          const r = await load(api, TOPIC_QUERY, SECONDS);
          const readsAfter = await cacheReads(api);
          const rate = await writes.stop();
          results.set(`${c.name}|topic|writes`, r);
          // Of the requests during the writes, the share answered by the outermost cache enabled.
          const layer = c.env.RESPONSE_CACHE_ENTRIES === "0" ? "page" : "response";
          const d = (k: string) => (readsAfter[`${layer}_${k}`] ?? 0) - (readsBefore[`${layer}_${k}`] ?? 0);
          const hitRatio = d("hit") + d("miss") > 0 ? d("hit") / (d("hit") + d("miss")) : NaN;
          if (c.name === "page + response cache") responseHitRatio = hitRatio;
          const hits = Number.isNaN(hitRatio) ? "" : ` (${layer} cache hits ${(hitRatio * 100).toFixed(2)} %)`;
          rows.push(`| ${c.name} | topic, ~${rate.toFixed(0)} commits/s on other topics${hits} | ${fmt(r)} |`);
        } finally {
          await api.stop();
        }
      }
    } finally {
      await writer.stop();
    }
  } finally {
    await db.drop();
  }
  const table = [
    ...["no cache", "page cache", "page + response cache"].flatMap((c) =>
      (["topic", "global"] as const).map((q) => `| ${c} | ${q}, quiet | ${fmt(results.get(`${c}|${q}|quiet`)!)} |`),
    ),
    ...rows,
  ];
  const rps = (k: string) => results.get(k)!.reqPerSec;
  const speedup = rps("page + response cache|topic|quiet") / rps("page cache|topic|quiet");
  const globalSpeedup = rps("page + response cache|global|quiet") / rps("page cache|global|quiet");
  const underWrites = rps("page + response cache|topic|writes") / rps("page + response cache|topic|quiet");
  const failures = [...results.values()].reduce((n, r) => n + r.failures, 0);
  const verdict = [
    `topic query, response cache vs page cache alone: ${speedup.toFixed(2)}× (goal ≥ 1.5×) ${speedup >= 1.5 ? "PASS" : "FAIL"}; global: ${globalSpeedup.toFixed(2)}×`,
    `topic query under writes on other topics vs quiet (both caches): ${underWrites.toFixed(2)}× (goal ≥ 0.8×) ${underWrites >= 0.8 ? "PASS" : "FAIL"}; response cache hits meanwhile ${(responseHitRatio * 100).toFixed(2)} % (goal ≥ 99 %) ${responseHitRatio >= 0.99 ? "PASS" : "FAIL"}`,
    `failed or mismatched responses: ${failures} (goal 0) ${failures === 0 ? "PASS" : "FAIL"}`,
  ];
  const lines = [
    `One API process per configuration, ${TOPICS} topics × 25 epochs (5 open each), ${CONNECTIONS} connections, ${SECONDS} s per run after 1 s warm-up; writes: another API process's startEpoch mutations on topics 2–${TOPICS}; load average before the run ${loadBefore.toFixed(2)}`,
    "",
    "| configuration | query | req/s | p50 ms | p99 ms | failures |",
    "|---|---|---|---|---|---|",
    ...table,
    "",
    ...verdict,
  ];
  console.log(lines.join("\n"));
  if (opts.record ?? true) await recordResult("response-cache", lines);
  return { results, verdict };
}

function fmt(r: LoadResult): string {
  return `${r.reqPerSec.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.failures}`;
}
