/**
 * The API under hostile subscribers (issue 13): its transition throughput and its RSS in three
 * phases of one run against one real API process (src/bin/api.ts with its in-process worker, auth
 * on: a viewer key for the subscribers, an operator key for the mutations) on a throw-away database:
 *
 * - baseline: no hostile clients;
 * - (a) 10 never-reading clients holding 100 subscriptions each (raw sockets that stop reading and
 *   keep themselves alive with unsolicited pongs; heavy nested selections, identical documents);
 * - (b) 10 heavy subscriptions (one socket each, distinct documents, read as fast as they come).
 * (b) runs before (a), so that whatever (a) leaves behind cannot spoil (b); each phase starts
 * with a warm-up in which the previous phase's clients are gone. "Heavy" is the heaviest selection
 * the server admits for a subscription, probed first from the shape (500 epochs with their
 * transitions under every event) downwards: with subscription budgets the shape is refused,
 * and the bench then measures what a hostile viewer can still do.
 *
 * The workload is the same in every phase: 4 topics run by the scheduler (1 s epochs, ≈ 5
 * transitions/s each) and BENCH_CLIENTS operator clients each looping startEpoch → cancelEpoch
 * (one transition per mutation) on 4 other topics, awaiting each answer (closed loop: a slower API
 * gets fewer mutations). Every workload topic starts with 550 epochs of history, so a heavy event
 * carries 500 epochs with their transitions. Throughput = transitions committed per second (the
 * log's own `at`, every source) over the measured window, after a warm-up; RSS growth = peak RSS
 * during the window minus RSS just before the hostile clients connect.
 *
 * Goals, for (a) and (b): RSS growth ≤ 100 MB and throughput ≥ 0.8 × baseline. A phase whose RSS
 * grows past BENCH_RSS_ABORT_MB (default 1000) is cut short (FAIL) to protect the machine.
 * Settings (environment): BENCH_PHASE_S (30), BENCH_WARMUP_S (10), BENCH_CLIENTS (2),
 * BENCH_RSS_ABORT_MB (1000), DATABASE_URL (server), BENCH_RECORD=0 to skip bench/RESULTS.md; any
 * other API setting in the environment reaches the API process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { sha256Hex } from "../src/auth/api-keys.js";
import { createDatabase, dropDatabase, withDatabase } from "../src/db/admin.js";
import { freePort } from "../src/db/embedded-postgres.js";
import { untilServing } from "./listening-socket.js";
import { prepareDatabase } from "../src/db/setup.js";
import { generateData } from "./data-generator.js";
import { describeShape, heavyReader, heavySubscription, heaviestAdmitted, HEAVY_SHAPES, neverReader, type ClientReport, type HeavyShape, type HostileClient } from "./hostile-clients.js";
import { recordResult } from "./report.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export interface HostileOptions {
  readonly phaseS?: number;
  readonly warmupS?: number;
  /** Operator clients looping mutations. */
  readonly mutationClients?: number;
  /** (a): never-reading clients × subscriptions each. */
  readonly neverReaders?: number;
  readonly subscriptionsPerReader?: number;
  /** (b): heavy subscriptions. */
  readonly heavy?: number;
  /** History per workload topic (epochs). */
  readonly historyEpochs?: number;
  readonly rssAbortMb?: number;
  /** Any database URL of the server to use (a throw-away database is made there). */
  readonly serverUrl?: string;
  /** Append the entry to bench/RESULTS.md (default: unless BENCH_RECORD=0). */
  readonly record?: boolean;
  readonly log?: (line: string) => void;
}

export interface PhaseResult {
  readonly name: "baseline" | "a" | "b";
  readonly label: string;
  /** Transitions committed per second in the window (every source), and per source. */
  readonly transitionsPerS: number;
  readonly schedulerPerS: number;
  readonly apiPerS: number;
  readonly transitions: number;
  /** Mutations answered without error in the window, per second; mutation errors in the window. */
  readonly mutationsPerS: number;
  readonly mutationErrors: number;
  readonly rssBeforeMb: number;
  readonly rssPeakMb: number;
  readonly rssGrowthMb: number;
  /** The window was cut short by the RSS guard. */
  readonly aborted: boolean;
  readonly clients: { readonly count: number; readonly acked: number; readonly refused: number; readonly events: number; readonly closeCodes: Record<string, number> };
  /** Lines the API process printed during the phase (a log flood shows here). */
  readonly apiLogLines: number;
}

export interface HostileResult {
  readonly phases: readonly PhaseResult[];
  /** The heaviest subscription selection the server admitted (null: none). */
  readonly shape: HeavyShape | null;
  readonly goals: readonly { readonly phase: string; readonly rss: boolean; readonly throughput: boolean }[];
}

const SCHEDULER_TOPICS = [1n, 2n, 3n, 4n];
const MUTATION_TOPICS = [5n, 6n, 7n, 8n];

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface RunningApi {
  readonly child: ChildProcess;
  readonly url: string;
  readonly logLines: () => number;
  /** The last lines it printed (for a crash report). */
  readonly tail: () => string;
  stop(): Promise<void>;
}

async function startApi(databaseUrl: string, apiKeys: string): Promise<RunningApi> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve(import.meta.dirname, "../src/bin/api.ts")], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      RUN_WORKER: "true",
      NODE_ENV: "production",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      API_KEYS: apiKeys,
      // The rate limiter stays in the path, generous enough for the operator's closed loop.
      RATE_LIMIT_BURST: process.env.RATE_LIMIT_BURST ?? "2000",
      RATE_LIMIT_PER_SECOND: process.env.RATE_LIMIT_PER_SECOND ?? "10000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let lines = 0;
  const tail: string[] = [];
  const count = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line) continue;
      lines++;
      tail.push(line);
      if (tail.length > 5) tail.shift();
    }
  };
  child.stdout!.on("data", count);
  child.stderr!.on("data", count);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  // Ready means this child holds its port and answers (another process may have taken the port: listening-socket.ts).
  const serving = await untilServing("API process", child, port, () => fetch(`${url}/readyz`).then((r) => r.ok), 60_000).catch(() => false);
  if (!serving) {
    child.kill("SIGKILL");
    throw new Error(`API process not ready (exit ${child.exitCode}); last lines:\n${tail.join("\n")}`);
  }
  return {
    child,
    url,
    logLines: () => lines,
    tail: () => tail.join("\n"),
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as { data?: any; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

/** Closed-loop operator clients: startEpoch then cancelEpoch, each awaited, until stopped. */
function mutationLoad(url: string, key: string, clients: number) {
  let running = true;
  const done: { at: number; ok: boolean }[] = [];
  const loops = Array.from({ length: clients }, async (_, i) => {
    const topicId = MUTATION_TOPICS[i % MUTATION_TOPICS.length]!.toString();
    while (running) {
      try {
        const started = await gql(url, key, `mutation($t: Uint64!) { startEpoch(topicId: $t) { nonce } }`, { t: topicId });
        done.push({ at: performance.now(), ok: true });
        if (!running) break;
        await gql(url, key, `mutation($t: Uint64!, $n: NonceV2!) { cancelEpoch(topicId: $t, nonce: $n, reason: "bench") { state } }`, { t: topicId, n: started.startEpoch.nonce });
        done.push({ at: performance.now(), ok: true });
      } catch {
        done.push({ at: performance.now(), ok: false });
        if (running) await sleep(100);
      }
    }
  });
  return {
    between(from: number, to: number) {
      const inside = done.filter((d) => d.at >= from && d.at < to);
      return { ok: inside.filter((d) => d.ok).length, errors: inside.filter((d) => !d.ok).length };
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

export async function main(opts: HostileOptions = {}): Promise<HostileResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const phaseS = opts.phaseS ?? env("BENCH_PHASE_S", 30);
  const warmupS = opts.warmupS ?? env("BENCH_WARMUP_S", 10);
  const mutationClients = opts.mutationClients ?? env("BENCH_CLIENTS", 2);
  const neverReaders = opts.neverReaders ?? 10;
  const subscriptionsPerReader = opts.subscriptionsPerReader ?? 100;
  const heavy = opts.heavy ?? 10;
  const historyEpochs = opts.historyEpochs ?? 550;
  const rssAbortMb = opts.rssAbortMb ?? env("BENCH_RSS_ABORT_MB", 1000);

  const adminUrl = withDatabase(opts.serverUrl ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres", "postgres");
  const dbName = `ew_bench_hostile_${process.pid}`;
  const url = withDatabase(adminUrl, dbName);
  const viewerKey = randomBytes(24).toString("hex");
  const operatorKey = randomBytes(24).toString("hex");
  const apiKeys = `viewer:${sha256Hex(viewerKey)},operator:${sha256Hex(operatorKey)}`;
  const loadBefore = os.loadavg()[0]!;

  await dropDatabase(adminUrl, dbName);
  await createDatabase(adminUrl, dbName);
  const db = new pg.Client({ connectionString: url });
  const phases: PhaseResult[] = [];
  let shape: HeavyShape | null = null;
  try {
    await prepareDatabase(url);
    // Topics 1–8 with their history (topic 9, the generator's uint64-extreme one, is left alone).
    const topics = SCHEDULER_TOPICS.length + MUTATION_TOPICS.length + 1;
    await generateData(url, { topics, epochs: topics * historyEpochs }, { progress: false });
    await db.connect();
    log(`hostile: ${topics - 1} topics × ${historyEpochs} epochs of history; ${phaseS} s per phase after ${warmupS} s warm-up; ${mutationClients} operator clients (closed loop)`);

    const api = await startApi(url, apiKeys);
    const pid = api.child.pid!;
    let load: ReturnType<typeof mutationLoad> | null = null;
    try {
      // Scheduler topics: 1 s epochs from now on (deactivated first: the generator queued no jobs).
      for (const id of SCHEDULER_TOPICS) {
        const t = id.toString();
        await gql(api.url, operatorKey, `mutation($t: Uint64!) { deactivateTopic(id: $t) { id } }`, { t });
        await gql(api.url, operatorKey, `mutation($t: Uint64!) { updateTopic(id: $t, input: { epochLength: 1, workerSubmissionWindow: 1, groundTruthLag: 1 }) { id } }`, { t });
        await gql(api.url, operatorKey, `mutation($t: Uint64!) { activateTopic(id: $t) { id } }`, { t });
      }
      load = mutationLoad(api.url, operatorKey, mutationClients);
      const mutations = load;

      const dbNow = async () => (await db.query<{ t: Date }>(`SELECT clock_timestamp() AS t`)).rows[0]!.t;
      /** Warm-up (the API settles after the previous phase's clients left), then the measured window. */
      const runPhase = async (name: PhaseResult["name"], label: string, attach: (wsUrl: string) => HostileClient[]): Promise<PhaseResult> => {
        await sleep(warmupS * 1000);
        const rssBeforeMb = rssMb(pid);
        const linesBefore = api.logLines();
        let rssPeakMb = rssBeforeMb;
        let aborted = false;
        let abort!: () => void;
        const aborting = new Promise<void>((resolve) => (abort = resolve));
        const sampler = setInterval(() => {
          if (api.child.exitCode !== null || api.child.signalCode !== null) abort();
          const now = rssMb(pid);
          if (now > rssPeakMb) rssPeakMb = now;
          if (now - rssBeforeMb > rssAbortMb && !aborted) {
            aborted = true;
            abort();
          }
        }, 50);
        let clients: HostileClient[] = [];
        try {
          clients = attach(api.url.replace(/^http/, "ws") + "/graphql");
          await Promise.race([Promise.all(clients.map((c) => c.ready)), aborting]);
          const from = performance.now();
          const t0 = await dbNow();
          await Promise.race([sleep(phaseS * 1000), aborting]);
          const t1 = await dbNow();
          const to = performance.now();
          const seconds = (t1.getTime() - t0.getTime()) / 1000;
          const bySource = await db.query<{ source: number; n: number }>(
            `SELECT source, count(*)::int AS n FROM transition_record WHERE at >= $1 AND at < $2 GROUP BY source`,
            [t0, t1],
          );
          const n = (source: number) => bySource.rows.find((r) => r.source === source)?.n ?? 0;
          const done = mutations.between(from, to);
          await Promise.all(clients.map((c) => c.settle()));
          const result: PhaseResult = {
            name,
            label,
            transitions: n(0) + n(1),
            transitionsPerS: (n(0) + n(1)) / seconds,
            schedulerPerS: n(0) / seconds,
            apiPerS: n(1) / seconds,
            mutationsPerS: done.ok / ((to - from) / 1000),
            mutationErrors: done.errors,
            rssBeforeMb,
            rssPeakMb,
            rssGrowthMb: rssPeakMb - rssBeforeMb,
            aborted,
            clients: summarize(clients.map((c) => c.report)),
            apiLogLines: api.logLines() - linesBefore,
          };
          log(describePhase(result));
          if (api.child.exitCode !== null || api.child.signalCode !== null) {
            throw new Error(`the API process died during phase ${name} (${api.child.exitCode ?? api.child.signalCode}); last lines:\n${api.tail()}`);
          }
          return result;
        } finally {
          clearInterval(sampler);
          await Promise.all(clients.map((c) => c.close()));
        }
      };

      // The hostile clients send the heaviest selection the server admits for a subscription.
      const wsUrl = api.url.replace(/^http/, "ws") + "/graphql";
      shape = await heaviestAdmitted(wsUrl, viewerKey);
      log(`heaviest subscription admitted: ${shape ? describeShape(shape) : "none"}${shape === HEAVY_SHAPES[0] ? " (the issue's shape)" : ""}`);
      const used = shape ?? HEAVY_SHAPES[0]!;
      // (a) runs last: on a server without byte budgets its memory may only come back slowly.
      phases.push(await runPhase("baseline", "baseline (no hostile clients)", () => []));
      const b = await runPhase("b", `(b) ${heavy} heavy subscriptions (one reader each)`, (ws) => Array.from({ length: heavy }, (_, i) => heavyReader(ws, viewerKey, i + 1, used)));
      phases.push(
        await runPhase("a", `(a) ${neverReaders} never-reading clients × ${subscriptionsPerReader} subscriptions`, (ws) =>
          Array.from({ length: neverReaders }, () => neverReader(ws, viewerKey, heavySubscription(0, used), subscriptionsPerReader)),
        ),
      );
      phases.push(b);
    } finally {
      await load?.stop();
      await api.stop();
    }
  } finally {
    await db.end().catch(() => {});
    await dropDatabase(adminUrl, dbName);
  }

  const base = phases[0]!;
  const goals = phases.slice(1).map((p) => ({ phase: p.name, rss: !p.aborted && p.rssGrowthMb <= 100, throughput: p.transitionsPerS >= 0.8 * base.transitionsPerS }));
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
  for (const g of goals) {
    const p = phases.find((x) => x.name === g.phase)!;
    log(
      `(${g.phase}): RSS growth ${p.rssGrowthMb.toFixed(0)} MB${p.aborted ? " (cut short)" : ""} (goal ≤ 100 MB) ${verdict(g.rss)} · throughput ${(p.transitionsPerS / base.transitionsPerS).toFixed(2)}× baseline (goal ≥ 0.8×) ${verdict(g.throughput)}`,
    );
  }
  if (opts.record ?? process.env.BENCH_RECORD !== "0") {
    await recordResult("hostile", [
      `One API process (in-process worker, auth on); hostile selection: the heaviest the server admitted, ${shape ? describeShape(shape) : "none"}; ${mutationClients} operator clients looping startEpoch → cancelEpoch (closed loop) + 4 scheduler topics (1 s epochs); ${phaseS} s measured after ${warmupS} s warm-up; load average before the run ${loadBefore.toFixed(2)}`,
      "",
      "| phase | transitions/s (scheduler + API) | mutations/s | RSS before → peak (growth) | hostile clients: acked / subscriptions refused / events / close codes | API log lines |",
      "|---|---|---|---|---|---|",
      ...phases.map(
        (p) =>
          `| ${p.label} | ${p.transitionsPerS.toFixed(1)} (${p.schedulerPerS.toFixed(1)} + ${p.apiPerS.toFixed(1)}) | ${p.mutationsPerS.toFixed(1)} | ${p.rssBeforeMb.toFixed(0)} → ${p.rssPeakMb.toFixed(0)} MB (${p.rssGrowthMb.toFixed(0)} MB${p.aborted ? ", cut short" : ""}) | ${p.clients.acked}/${p.clients.count} / ${p.clients.refused} / ${p.clients.events} / ${JSON.stringify(p.clients.closeCodes)} | ${p.apiLogLines} |`,
      ),
      "",
      ...goals.map((g) => {
        const p = phases.find((x) => x.name === g.phase)!;
        return `(${g.phase}): RSS growth ${p.rssGrowthMb.toFixed(0)} MB (goal ≤ 100 MB) ${verdict(g.rss)}; throughput ${(p.transitionsPerS / base.transitionsPerS).toFixed(2)}× baseline (goal ≥ 0.8×) ${verdict(g.throughput)}.`;
      }),
    ]);
  }
  return { phases, shape, goals };
}

function summarize(reports: readonly ClientReport[]): PhaseResult["clients"] {
  const closeCodes: Record<string, number> = {};
  for (const r of reports) if (r.closeCode !== null) closeCodes[r.closeCode] = (closeCodes[r.closeCode] ?? 0) + 1;
  return {
    count: reports.length,
    acked: reports.filter((r) => r.acked).length,
    refused: reports.reduce((a, r) => a + r.refused, 0),
    events: reports.reduce((a, r) => a + r.events, 0),
    closeCodes,
  };
}

function describePhase(p: PhaseResult): string {
  const c = p.clients;
  const hostile = c.count ? ` · clients acked ${c.acked}/${c.count}, subscriptions refused ${c.refused}, events read ${c.events}, closed ${JSON.stringify(c.closeCodes)}` : "";
  return (
    `${p.label}: ${p.transitionsPerS.toFixed(1)} transitions/s (scheduler ${p.schedulerPerS.toFixed(1)}, API ${p.apiPerS.toFixed(1)}) · ` +
    `${p.mutationsPerS.toFixed(1)} mutations/s (${p.mutationErrors} failed) · RSS ${p.rssBeforeMb.toFixed(0)} → ${p.rssPeakMb.toFixed(0)} MB${p.aborted ? " (cut short by the RSS guard)" : ""}` +
    `${hostile} · API log lines ${p.apiLogLines}`
  );
}
