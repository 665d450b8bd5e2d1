/**
 * The servers of the query benches, each a child process on a free port against the same
 * database: our API (src/bin/api.ts: no in-process worker, rate limiting off, production logging),
 * PostGraphile 4.14.1 over the raw tables, the raw-SQL ceiling (bench/raw-sql-server.ts), and a
 * standalone scheduler worker (src/bin/worker.ts) for the benches that write.
 * Every pool holds 10 connections.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../src/db/embedded-postgres.js";
import { untilServing } from "./listening-socket.js";

export interface BenchServer {
  readonly name: string;
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);

/** Extra node flags per server, e.g. BENCH_API_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const nodeFlags = (name: string) => (process.env[name] ?? "").split(" ").filter(Boolean);

/** `env` overrides the API's configuration (e.g. OPEN_WINDOW_CACHE_TTL_MS=0). */
export async function startOurApi(databaseUrl: string, name = "ours", env: Record<string, string> = {}): Promise<BenchServer> {
  return onFreePort(name, (port) => spawnNode([...nodeFlags("BENCH_API_NODE_FLAGS"), "--import", "tsx", path.join(root, "src/bin/api.ts")], {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    RUN_WORKER: "false",
    NODE_ENV: "production",
    AUTH_DISABLED: "true",
    LOG_LEVEL: "warn",
    DB_POOL_MAX: "10",
    RATE_LIMIT_BURST: "0",
    RATE_LIMIT_PER_SECOND: "0",
    ...env,
  }), (origin) => fetch(`${origin}/readyz`).then((r) => r.ok));
}

/** A scheduler worker (`npm run worker`), its readiness on a free ops port. */
export async function startWorker(databaseUrl: string): Promise<BenchServer> {
  return onFreePort("worker", (port) => spawnNode(["--import", "tsx", path.join(root, "src/bin/worker.ts")], {
    DATABASE_URL: databaseUrl,
    WORKER_PORT: String(port),
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    AUTH_DISABLED: "true",
    LOG_LEVEL: "warn",
  }), (origin) => fetch(`${origin}/readyz`).then((r) => r.ok));
}

export async function startPostGraphile(databaseUrl: string): Promise<BenchServer> {
  const cli = path.join(path.dirname(require.resolve("postgraphile/package.json")), "cli.js");
  const shim = path.join(import.meta.dirname, "postgraphile-single-graphql.cjs");
  const spawn = (port: number) =>
    spawnNode([...nodeFlags("BENCH_POSTGRAPHILE_NODE_FLAGS"), "--require", shim, cli,
      "-c", databaseUrl, "--schema", "public", "--host", "127.0.0.1", "--port", String(port),
      "--dynamic-json", "--disable-query-log", "--max-pool-size", "10"], {});
  const probe = (origin: string) =>
    fetch(`${origin}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ __typename }"}' }).then((r) => r.ok);
  return onFreePort("PostGraphile", spawn, probe);
}

export async function startRawSqlServer(databaseUrl: string): Promise<BenchServer> {
  return onFreePort(
    "raw pg",
    (port) => spawnNode(["--import", "tsx", path.join(import.meta.dirname, "raw-sql-server.ts")], { DATABASE_URL: databaseUrl, PORT: String(port) }),
    (origin) => fetch(`${origin}/open-worker-windows`, { method: "POST", body: "{}" }).then((r) => r.ok),
  );
}

/** BENCH_SERVER_LOGS=1 shows the servers' stdout (our processes log there) on this one's stderr. */
function spawnNode(args: string[], env: Record<string, string>): ChildProcess {
  const stdout = process.env.BENCH_SERVER_LOGS === "1" ? process.stderr : "ignore";
  return spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", stdout, "inherit"] });
}

/**
 * Spawns a server on a free port and waits until it answers `probe` while holding that port
 * itself (bench/listening-socket.ts): another process may take the port between freePort() and
 * the child's bind, and would then answer the probe. A child that loses that race is started
 * again on another port (twice at most).
 */
async function onFreePort(name: string, spawn: (port: number) => ChildProcess, probe: (origin: string) => Promise<boolean>): Promise<BenchServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(port);
    const origin = `http://127.0.0.1:${port}`;
    const server = await ready(name, child, port, () => probe(origin));
    if (server) return { name, origin, ...server };
    if (attempt >= 3) throw new Error(`${name}: another process took its port, three times`);
  }
}

/** The child's pid and stop(), once it is ready; null when it exited because another process holds its port. */
async function ready(name: string, child: ChildProcess, port: number, probe: () => Promise<boolean>): Promise<{ pid: number; stop(): Promise<void> } | null> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.race([exited, sleep(10_000).then(() => child.kill("SIGKILL"))]);
    await exited;
  };
  try {
    return (await untilServing(name, child, port, probe, 60_000)) ? { pid: child.pid!, stop } : null;
  } catch (err) {
    await stop();
    throw err;
  }
}
