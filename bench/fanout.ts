/**
 * Subscription fan-out: graphql-ws subscribers (one connection each) on one API process, latency
 * from commit to receipt and the API's RSS, in two cases, each on a fresh API process:
 *
 * - identical: BENCH_SUBSCRIBERS (1,000) subscribers of one `epochTransitioned` document, which
 *   shared executions serve once, at BENCH_RATE (50) transitions/s, after a 1-subscriber baseline;
 * - distinct: BENCH_TOPIC_SUBSCRIBERS (1,000) workers, each following its own topic's
 *   `windowChanged(topicId:)` (its own execution), plus BENCH_DASHBOARDS (20) unfiltered
 *   `epochTransitioned` dashboards, at BENCH_DISTINCT_RATE (100) transitions/s spread over the topics.
 *
 * Transitions are committed by a process of their own (fanout-driver.ts) through the service's
 * commands (createLifecycle: what the mutations run): a worker-window open (startEpoch) then its
 * close, per topic. Latency is receipt minus the instant the committing call returned (wall clock,
 * compared across processes); a receipt that beats that return (the notice outran the driver's
 * own await) counts as 0 ms and is reported.
 *
 * Settings (environment): BENCH_FANOUT_CASES (identical,distinct), BENCH_TRANSITIONS (per phase of
 * the identical case, 300), BENCH_DISTINCT_TRANSITIONS (2,000: one open and one close per topic),
 * BENCH_PG (own: a temporary embedded PostgreSQL, the default; shared: DATABASE_URL's server),
 * BENCH_CLIENT (raw: a minimal graphql-transport-ws client, the default; graphql-ws: the library's),
 * BENCH_API_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { createDatabase, dropDatabase, withDatabase } from "../src/db/admin.js";
import { freePort, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { untilServing } from "./listening-socket.js";
import { prepareDatabase } from "../src/db/setup.js";
import { wallNow, type DriverReply, type DriverRequest } from "./fanout-driver.js";
import { percentile, recordResult } from "./report.js";
import { openSubscriber, type Subscriber, type SubscriberKind } from "./ws-subscriber.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds a process has used (user + system), from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const DASHBOARD = `subscription Dashboard { epochTransitioned { topicId nonce transition at } }`;
const WORKER = `subscription Worker($topicId: Uint64!) { windowChanged(topicId: $topicId) { cursor kind opened at epoch { nonce } } }`;

export interface FanoutOptions {
  readonly cases: readonly ("identical" | "distinct")[];
  /** identical: subscribers of one document, transitions per phase, transitions/s. */
  readonly subscribers: number;
  readonly transitions: number;
  readonly rate: number;
  /** distinct: one `windowChanged(topicId:)` subscriber per topic, unfiltered dashboards, transitions, transitions/s. */
  readonly topicSubscribers: number;
  readonly dashboards: number;
  readonly distinctTransitions: number;
  readonly distinctRate: number;
  /** A PostgreSQL server URL (a throw-away database is created on it). */
  readonly serverUrl: string;
  readonly apiNodeFlags?: readonly string[];
  /** How subscribers connect (ws-subscriber.ts); default raw. */
  readonly client?: SubscriberKind;
  readonly record: boolean;
  readonly log: (line: string) => void;
}

export interface Phase {
  readonly label: string;
  readonly received: number;
  readonly expected: number;
  /** Receipts that arrived before the committing call returned (counted as 0 ms). */
  readonly early: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** CPU used during the phase, in cores (1 = one core busy throughout): the API and this process (its clients). */
  readonly apiCores: number;
  readonly benchCores: number;
  /** API CPU time per delivered event (µs): what fan-out costs the server, less sensitive to the host's other load than latency. */
  readonly apiUsPerDelivery: number;
  /** The longest any transaction on the server ran during the phase (ms): it holds back every event. */
  readonly oldestTxMs: number;
}

export interface CaseResult {
  readonly name: "identical" | "distinct";
  readonly rate: number;
  readonly phases: Phase[];
  readonly rssIdleMb: number;
  readonly rssSubscribedMb: number;
  readonly rssPeakMb: number;
  readonly pass: { p99: boolean; rss: boolean; delivered: boolean };
}

const GOAL_P99_MS = 100;
const GOAL_RSS_MB = 300;

/** One API process on `url`; `stop()` ends it. */
async function startApi(url: string, flags: readonly string[]): Promise<{ base: string; proc: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [...flags, "--import", "tsx", path.resolve(import.meta.dirname, "../src/bin/api.ts")], {
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: "127.0.0.1", RUN_WORKER: "false", NODE_ENV: "production", AUTH_DISABLED: "true", LOG_LEVEL: "warn", SUBSCRIPTIONS_PER_CONNECTION: "10", RATE_LIMIT_PER_SECOND: "0" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise((r) => proc.once("exit", r));
  const base = `http://127.0.0.1:${port}`;
  // Ready means this child holds its port and answers (another process may have taken the port: listening-socket.ts).
  if (!(await untilServing("the API process", proc, port, () => fetch(`${base}/readyz`).then((r) => r.ok), 60_000))) {
    throw new Error("the API process lost its port to another process");
  }
  return {
    base,
    proc,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}

/** The write load's process (fanout-driver.ts). */
async function startDriver(url: string) {
  const child = fork(path.resolve(import.meta.dirname, "fanout-driver.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, FANOUT_DRIVER_DATABASE_URL: url },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise((r) => child.once("exit", r));
  let onReply: (m: DriverReply) => void = () => {};
  child.on("message", (m: DriverReply) => onReply(m));
  const request = (m: DriverRequest) => child.send(m);
  const failed = (m: DriverReply) => (m.type === "failed" ? new Error(`fan-out driver: ${m.message}`) : null);
  return {
    topics: (count: number) =>
      new Promise<bigint[]>((resolve, reject) => {
        onReply = (m) => (m.type === "topics" ? resolve(m.ids.map(BigInt)) : failed(m) && reject(failed(m)));
        request({ type: "topics", count });
      }),
    drive: (count: number, rate: number, onCommitted: (key: string, at: number) => void, onNotCommitted: (message: string) => void) =>
      new Promise<void>((resolve, reject) => {
        onReply = (m) => {
          if (m.type === "committed") onCommitted(m.key, m.at);
          else if (m.type === "not-committed") onNotCommitted(m.message);
          else if (m.type === "driven") resolve();
          else if (m.type === "failed") reject(failed(m));
        };
        request({ type: "drive", count, rate });
      }),
    async stop() {
      if (child.connected) request({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGTERM"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Where the API's memory is, from its /metrics (prom-client's default process metrics), for the log. */
async function memoryBreakdown(base: string): Promise<string> {
  const text = await fetch(`${base}/metrics`).then((r) => (r.ok ? r.text() : ""), () => "");
  const mb = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)`, "m").exec(text);
    return m ? `${(Number(m[1]) / 2 ** 20).toFixed(0)} MB` : "?";
  };
  return `JS heap used ${mb("nodejs_heap_size_used_bytes")} of ${mb("nodejs_heap_size_total_bytes")}, external ${mb("nodejs_external_memory_bytes")}`;
}

/** Live subscriptions the API reports (feed subscribers), null when /metrics is not readable. */
async function liveSubscriptions(base: string): Promise<number | null> {
  const text = await fetch(`${base}/metrics`).then((r) => (r.ok ? r.text() : null), () => null);
  const m = text && /^epoch_windows_live_subscriptions (\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The longest-running transaction holding a transaction id anywhere on the server, sampled: the
 * feed only reads rows older than every running transaction (settled-log-reader.ts), cluster-wide,
 * so one long transaction in another database delays every event by its length.
 */
async function watchOldestTransaction(serverUrl: string): Promise<{ maxMs(): number; reset(): void; stop(): Promise<void> }> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  let max = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    client
      .query<{ ms: number | null }>(`SELECT (extract(epoch FROM max(clock_timestamp() - xact_start)) * 1000)::float8 AS ms FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()`)
      .then((r) => (max = Math.max(max, r.rows[0]?.ms ?? 0)), () => {})
      .finally(() => (busy = false));
  }, 100);
  return {
    maxMs: () => max,
    reset: () => (max = 0),
    async stop() {
      clearInterval(timer);
      await client.end().catch(() => {});
    },
  };
}

/**
 * Receipts per commit key: latency is computed at the end, so a receipt that arrives before its
 * commit call returned is still counted (as 0 ms) rather than lost.
 */
class Receipts {
  private readonly committed = new Map<string, number>();
  private received: { key: string; at: number }[] = [];

  /** `at`: wall-clock ms (the driver runs in another process). */
  commit(key: string, at: number): void {
    this.committed.set(key, at);
  }

  receive(key: string): void {
    this.received.push({ key, at: wallNow() });
  }

  get count(): number {
    return this.received.length;
  }

  /** Transitions committed in this phase. */
  get commits(): number {
    return this.committed.size;
  }

  /** Closes the phase: its figures, and the receipts cleared for the next one. */
  phase(label: string, expected: number, cpu: { apiCores: number; benchCores: number; apiCpuS: number; oldestTxMs: number }): Phase {
    let early = 0;
    const latencies: number[] = [];
    for (const r of this.received) {
      const at = this.committed.get(r.key);
      if (at === undefined) continue; // committed in an earlier phase: not this one's
      const l = r.at - at;
      if (l < 0) early++;
      latencies.push(Math.max(0, l));
    }
    latencies.sort((a, b) => a - b);
    this.received = [];
    this.committed.clear();
    return { label, received: latencies.length, expected, early, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? NaN, apiCores: cpu.apiCores, benchCores: cpu.benchCores, oldestTxMs: cpu.oldestTxMs, apiUsPerDelivery: (cpu.apiCpuS * 1e6) / Math.max(1, latencies.length) };
  }
}

export interface FanoutResult {
  readonly cases: CaseResult[];
  /** Errors subscribers were sent (none expected). */
  readonly subscriberErrors: number;
}

export async function runFanout(opts: FanoutOptions): Promise<FanoutResult> {
  const adminUrl = withDatabase(opts.serverUrl, "postgres");
  const dbName = `ew_bench_fanout_${process.pid}`;
  const url = withDatabase(adminUrl, dbName);
  await dropDatabase(adminUrl, dbName);
  await createDatabase(adminUrl, dbName);
  await prepareDatabase(url);
  const driver = await startDriver(url);
  const errors: unknown[] = [];
  const results: CaseResult[] = [];
  const oldest = await watchOldestTransaction(adminUrl);
  try {
    const topics = await driver.topics(Math.max(opts.topicSubscribers, 1));
    for (const name of opts.cases) {
      const api = await startApi(url, opts.apiNodeFlags ?? []);
      const clients: Subscriber[] = [];
      const receipts = new Receipts();
      const subscribe = async <T>(query: string, variables: Record<string, unknown>, keyOf: (data: T) => string) => {
        const url = api.base.replace("http", "ws") + "/graphql";
        clients.push(await openSubscriber(opts.client ?? "raw", url, query, variables, { next: (data) => receipts.receive(keyOf(data as T)), error: (e) => errors.push(e) }));
      };
      type Dashboard = { epochTransitioned: { topicId: string; nonce: string; transition: string } };
      const dashboardKey = ({ epochTransitioned: t }: Dashboard) => `${t.topicId}/${t.nonce}/${t.transition}`;
      // Until the API has every subscription in its feed (shared executions count once), or 2 s.
      const settle = async (feedSubscribers: number) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const n = await liveSubscriptions(api.base);
          if (n === null) return sleep(2000);
          if (n >= feedSubscribers || Date.now() > deadline) return;
          await sleep(100);
        }
      };
      let rssPeak = 0;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(api.proc.pid!))), 100);
      const measure = async (label: string, count: number, rate: number, perTransition: number) => {
        const t0 = performance.now();
        const api0 = cpuSeconds(api.proc.pid!);
        const bench0 = process.cpuUsage();
        oldest.reset();
        let notCommitted = 0;
        await driver.drive(count, rate, (key, at) => receipts.commit(key, at), (message) => {
          if (notCommitted++ === 0) opts.log(`${name} · a transition did not commit (${message}); it is not expected`);
        });
        if (notCommitted) opts.log(`${name} · ${notCommitted} of ${count} transitions did not commit`);
        const expected = receipts.commits * perTransition;
        const deadline = Date.now() + 30_000;
        while (receipts.count < expected && Date.now() < deadline) await sleep(100);
        const wall = (performance.now() - t0) / 1000;
        const benchUsed = process.cpuUsage(bench0);
        const apiCpuS = cpuSeconds(api.proc.pid!) - api0;
        const p = receipts.phase(label, expected, { apiCpuS, apiCores: apiCpuS / wall, benchCores: (benchUsed.user + benchUsed.system) / 1e6 / wall, oldestTxMs: oldest.maxMs() });
        opts.log(`${name} · ${label}: ${p.received}/${p.expected} events · latency p50 ${p.p50.toFixed(1)} ms · p99 ${p.p99.toFixed(1)} ms · max ${p.max.toFixed(1)} ms · CPU API ${p.apiCores.toFixed(2)} cores (${p.apiUsPerDelivery.toFixed(1)} µs per delivery), clients ${p.benchCores.toFixed(2)} · longest transaction on the server ${p.oldestTxMs.toFixed(0)} ms${p.early ? ` · ${p.early} before the commit call returned` : ""}`);
        return p;
      };
      try {
        const rssIdle = rssMb(api.proc.pid!);
        const phases: Phase[] = [];
        let rssSubscribed: number;
        let rate: number;
        if (name === "identical") {
          rate = opts.rate;
          await subscribe(DASHBOARD, {}, dashboardKey);
          await settle(1);
          phases.push(await measure("1 subscriber (baseline)", opts.transitions, rate, 1));
          for (let i = 1; i < opts.subscribers; i++) await subscribe(DASHBOARD, {}, dashboardKey);
          await sleep(1000); // shared executions: the feed count does not show late members
          rssSubscribed = rssMb(api.proc.pid!);
          opts.log(`${name}: subscribed, API RSS ${rssSubscribed.toFixed(0)} MB: ${await memoryBreakdown(api.base)}`);
          rssPeak = rssSubscribed;
          phases.push(await measure(`${opts.subscribers} identical subscribers`, opts.transitions, rate, opts.subscribers));
        } else {
          rate = opts.distinctRate;
          type Worker = { windowChanged: { opened: boolean; epoch: { nonce: string } } };
          for (const topicId of topics.slice(0, opts.topicSubscribers)) {
            await subscribe<Worker>(WORKER, { topicId: String(topicId) }, ({ windowChanged: w }) => `${topicId}/${w.epoch.nonce}/${w.opened ? "OPEN_WORKER_WINDOW" : "CLOSE_WORKER_WINDOW"}`);
          }
          for (let i = 0; i < opts.dashboards; i++) await subscribe(DASHBOARD, {}, dashboardKey);
          await settle(opts.topicSubscribers + (opts.dashboards > 0 ? 1 : 0));
          rssSubscribed = rssMb(api.proc.pid!);
          opts.log(`${name}: subscribed, API RSS ${rssSubscribed.toFixed(0)} MB: ${await memoryBreakdown(api.base)}`);
          rssPeak = rssSubscribed;
          // Every transition concerns its topic's one subscriber and every dashboard.
          const per = (opts.topicSubscribers > 0 ? 1 : 0) + opts.dashboards;
          phases.push(await measure(`${opts.topicSubscribers} topic subscribers + ${opts.dashboards} dashboards`, opts.distinctTransitions, rate, per));
        }
        const loaded = phases.at(-1)!;
        const result: CaseResult = {
          name, rate, phases, rssIdleMb: rssIdle, rssSubscribedMb: rssSubscribed, rssPeakMb: rssPeak,
          pass: { p99: loaded.p99 <= GOAL_P99_MS, rss: rssPeak <= GOAL_RSS_MB, delivered: loaded.received === loaded.expected },
        };
        results.push(result);
        const pass = (ok: boolean) => (ok ? "PASS" : "FAIL");
        opts.log(`${name}: API RSS idle ${rssIdle.toFixed(0)} MB · subscribed ${rssSubscribed.toFixed(0)} MB · peak under load ${rssPeak.toFixed(0)} MB`);
        opts.log(
          `${name} @ ${rate}/s: goal p99 ≤ ${GOAL_P99_MS} ms: ${loaded.p99.toFixed(1)} ms ${pass(result.pass.p99)} · goal RSS ≤ ${GOAL_RSS_MB} MB: ${rssPeak.toFixed(0)} MB ${pass(result.pass.rss)} · delivered ${loaded.received}/${loaded.expected} ${pass(result.pass.delivered)}`,
        );
      } finally {
        clearInterval(sampler);
        await Promise.all(clients.map((c) => c.close()));
        await api.stop();
      }
    }
    if (errors.length) opts.log(`subscriber errors: ${errors.length} (first: ${JSON.stringify(errors[0])})`);
    if (opts.record) await recordResult("fanout", report(results));
    return { cases: results, subscriberErrors: errors.length };
  } finally {
    await oldest.stop();
    await driver.stop();
    await dropDatabase(adminUrl, dbName);
  }
}

function report(results: readonly CaseResult[]): string[] {
  const pass = (ok: boolean) => (ok ? "PASS" : "FAIL");
  const lines = [
    "One connection per subscriber; transitions committed through the service's commands (worker-window open, then close, per topic); latency = receipt − return of the committing call.",
    "",
    "| case | rate | subscribers | delivered | p50 | p99 | max | CPU API / clients (cores) | API CPU per delivery | longest tx on the server | RSS idle / subscribed / peak |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const c of results) {
    for (const p of c.phases) {
      lines.push(`| ${c.name} | ${c.rate}/s | ${p.label} | ${p.received}/${p.expected} | ${p.p50.toFixed(1)} ms | ${p.p99.toFixed(1)} ms | ${p.max.toFixed(1)} ms | ${p.apiCores.toFixed(2)} / ${p.benchCores.toFixed(2)} | ${p.apiUsPerDelivery.toFixed(1)} µs | ${p.oldestTxMs.toFixed(0)} ms | ${c.rssIdleMb.toFixed(0)} / ${c.rssSubscribedMb.toFixed(0)} / ${c.rssPeakMb.toFixed(0)} MB |`);
    }
  }
  lines.push("");
  for (const c of results) {
    const loaded = c.phases.at(-1)!;
    const base = c.phases.length > 1 ? ` (${(loaded.p99 / Math.max(c.phases[0]!.p99, 0.001)).toFixed(2)}× the 1-subscriber p99)` : "";
    lines.push(`- ${c.name} @ ${c.rate}/s: p99 ≤ ${GOAL_P99_MS} ms ${pass(c.pass.p99)}${base}, RSS ≤ ${GOAL_RSS_MB} MB ${pass(c.pass.rss)}, all delivered ${pass(c.pass.delivered)}`);
  }
  return lines;
}

export async function main(): Promise<void> {
  const cases = (process.env.BENCH_FANOUT_CASES ?? "identical,distinct").split(",").map((s) => s.trim()).filter(Boolean);
  for (const c of cases) if (c !== "identical" && c !== "distinct") throw new Error(`BENCH_FANOUT_CASES: unknown case ${c}`);
  const flags = (process.env.BENCH_API_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  // Its own PostgreSQL by default: on a shared server, other databases' transactions hold back the
  // feed's settled horizon (cluster-wide) and their length shows up as fan-out latency.
  const own = (process.env.BENCH_PG ?? "own") === "own" ? await startEmbeddedPostgres({ dir: "temp", port: 0 }) : null;
  if (own) console.log("on a PostgreSQL of its own (embedded, temporary; BENCH_PG=shared uses DATABASE_URL's server)");
  try {
    await runFanout({
      cases: cases as FanoutOptions["cases"],
      subscribers: env("BENCH_SUBSCRIBERS", 1000),
      transitions: env("BENCH_TRANSITIONS", 300),
      rate: env("BENCH_RATE", 50),
      topicSubscribers: env("BENCH_TOPIC_SUBSCRIBERS", 1000),
      dashboards: env("BENCH_DASHBOARDS", 20),
      distinctTransitions: env("BENCH_DISTINCT_TRANSITIONS", 2000),
      distinctRate: env("BENCH_DISTINCT_RATE", 100),
      serverUrl: own?.url ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
      apiNodeFlags: flags,
      client: process.env.BENCH_CLIENT === "graphql-ws" ? "graphql-ws" : "raw",
      record: process.env.BENCH_RECORD !== "0",
      log: (line) => console.log(line),
    });
  } finally {
    await own?.stop();
  }
}
