/**
 * Subscription fan-out: N concurrent graphql-ws subscribers (one connection each) on one API
 * process; transitions are committed by this process through the same store the service uses.
 * Prints latency from commit to receipt (p50/p99/max) with 1 subscriber (baseline) and with N, the
 * ratio between them, and the API process's RSS idle and under load.
 *
 * Settings (environment): BENCH_SUBSCRIBERS (default 1000), BENCH_TRANSITIONS (per phase, 300),
 * BENCH_RATE (transitions/s, 10), DATABASE_URL (server).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { createDatabase, dropDatabase, withDatabase } from "../src/db/admin.js";
import { freePort } from "../src/db/embedded-postgres.js";
import { LifecycleStore } from "../src/db/lifecycle-store.js";
import { createPrismaClient } from "../src/db/prisma-client.js";
import { prepareDatabase } from "../src/db/setup.js";
import { EpochTransition, TransitionSource } from "../src/domain/index.js";
import { percentile, recordResult } from "./report.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const SUB = `subscription { epochTransitioned { topicId nonce transition at } }`;

export async function main(): Promise<void> {
  const subscribers = env("BENCH_SUBSCRIBERS", 1000);
  const perPhase = env("BENCH_TRANSITIONS", 300);
  // 10/s is a busy real network (e.g. 100 topics with 60 s epochs make ~8 transitions/s): 10,000
  // deliveries/s to 1,000 subscribers. BENCH_RATE=50 is a stress run.
  const rate = env("BENCH_RATE", 10);
  const adminUrl = withDatabase(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres", "postgres");
  const dbName = `ew_bench_fanout_${process.pid}`;
  const url = withDatabase(adminUrl, dbName);
  await dropDatabase(adminUrl, dbName);
  await createDatabase(adminUrl, dbName);
  await prepareDatabase(url);
  const prisma = createPrismaClient(url, { max: 4 });
  const store = new LifecycleStore(prisma);

  const port = await freePort();
  // BENCH_API_NODE_FLAGS: extra node flags for the API process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = (process.env.BENCH_API_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const api = spawn(process.execPath, [...flags, "--import", "tsx", path.resolve(import.meta.dirname, "../src/bin/api.ts")], {
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: "127.0.0.1", RUN_WORKER: "false", NODE_ENV: "production", AUTH_DISABLED: "true", LOG_LEVEL: "warn", SUBSCRIPTIONS_PER_CONNECTION: "10", RATE_LIMIT_PER_SECOND: "0" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  while (!(await fetch(`${base}/readyz`).then((r) => r.ok, () => false))) await sleep(200);

  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let expected = 0;
  const clients: Client[] = [];
  const subscribe = async (n: number) => {
    let registered = 0;
    for (let i = 0; i < n; i++) {
      const client = createClient({ url: base.replace("http", "ws") + "/graphql", webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
      clients.push(client);
      client.subscribe<{ epochTransitioned: { topicId: string; nonce: string; transition: string } }>(
        { query: SUB },
        {
          next: ({ data }) => {
            const t = data!.epochTransitioned;
            const at = committedAt.get(`${t.topicId}/${t.nonce}/${t.transition}`);
            if (at !== undefined) latencies.push(performance.now() - at);
          },
          error: (e) => console.error("subscriber error", e),
          complete: () => {},
        },
      );
      await new Promise<void>((resolve) => client.on("connected", () => resolve()));
      registered++;
    }
    await sleep(1000); // let every subscribe message reach the server
    return registered;
  };

  // Each transition commits here; `committedAt` is when the commit returned.
  let topicSeq = 0n;
  const drive = async (count: number) => {
    const interval = 1000 / rate;
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      await sleep(Math.max(0, start + i * interval - performance.now()));
      if (i % 2 === 0) {
        const topic = await store.topics.create(prisma, { id: ++topicSeq + 1000n, epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 60 });
        const key = `${topic!.id}/72057594037927937/OPEN_WORKER_WINDOW`;
        committedAt.set(key, Number.POSITIVE_INFINITY);
        const started = await store.startEpoch(topic!.id, Date.now(), TransitionSource.API);
        committedAt.set(key, performance.now());
        void started;
      } else {
        const nonce = 72057594037927937n;
        const key = `${topicSeq + 1000n}/${nonce}/CLOSE_WORKER_WINDOW`;
        committedAt.set(key, Number.POSITIVE_INFINITY);
        await store.applyTransition({ topicId: topicSeq + 1000n, nonce, transition: EpochTransition.CLOSE_WORKER_WINDOW, source: TransitionSource.API, dueAt: null });
        committedAt.set(key, performance.now());
      }
    }
  };

  const phase = async (label: string, n: number) => {
    latencies.length = 0;
    expected = perPhase * n;
    await drive(perPhase);
    const deadline = Date.now() + 30_000;
    while (latencies.length < expected && Date.now() < deadline) await sleep(100);
    const sorted = latencies.filter((l) => Number.isFinite(l)).sort((a, b) => a - b);
    const r = { label, subscribers: n, received: latencies.length, expected, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN };
    console.log(`${label}: ${r.received}/${r.expected} events · latency p50 ${r.p50.toFixed(1)} ms · p99 ${r.p99.toFixed(1)} ms · max ${r.max.toFixed(1)} ms`);
    return r;
  };

  try {
    const rssIdle = rssMb(api.pid!);
    await subscribe(1);
    const baseline = await phase("baseline (1 subscriber)", 1);
    await subscribe(subscribers - 1);
    const rssSubscribed = rssMb(api.pid!);
    let rssPeak = rssSubscribed;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(api.pid!))), 100);
    const loaded = await phase(`${subscribers} subscribers`, subscribers);
    clearInterval(sampler);
    const ratio = loaded.p99 / Math.max(baseline.p99, 0.001);
    const pass = (ok: boolean) => (ok ? "PASS" : "FAIL");
    console.log(`p99 ${subscribers} subscribers / 1 subscriber: ${ratio.toFixed(2)}×`);
    console.log(`API RSS: idle ${rssIdle.toFixed(0)} MB · ${subscribers} subscribed ${rssSubscribed.toFixed(0)} MB · peak under load ${rssPeak.toFixed(0)} MB`);
    console.log(`goal p99 ≤ 100 ms: ${loaded.p99.toFixed(1)} ms ${pass(loaded.p99 <= 100)} · goal RSS ≤ 300 MB: ${rssPeak.toFixed(0)} MB ${pass(rssPeak <= 300)} · delivered ${loaded.received}/${loaded.expected} ${pass(loaded.received === loaded.expected)}`);
    await recordResult("fanout", [
      `${subscribers} subscribers (one connection each), ${perPhase} transitions at ${rate}/s per phase`,
      "",
      `| subscribers | delivered | p50 | p99 | max |`,
      `|---|---|---|---|---|`,
      `| 1 | ${baseline.received}/${baseline.expected} | ${baseline.p50.toFixed(1)} ms | ${baseline.p99.toFixed(1)} ms | ${baseline.max.toFixed(1)} ms |`,
      `| ${subscribers} | ${loaded.received}/${loaded.expected} | ${loaded.p50.toFixed(1)} ms | ${loaded.p99.toFixed(1)} ms | ${loaded.max.toFixed(1)} ms |`,
      ``,
      `p99 ratio ${subscribers}/1: ${ratio.toFixed(2)}×. API RSS idle ${rssIdle.toFixed(0)} MB, subscribed ${rssSubscribed.toFixed(0)} MB, peak ${rssPeak.toFixed(0)} MB. Goals: p99 ≤ 100 ms ${pass(loaded.p99 <= 100)}, RSS ≤ 300 MB ${pass(rssPeak <= 300)}.`,
    ]);
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    api.kill("SIGTERM");
    await new Promise((r) => api.once("exit", r));
    await prisma.$disconnect();
    await dropDatabase(adminUrl, dbName);
  }
}
