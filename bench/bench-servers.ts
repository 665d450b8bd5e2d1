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
  const port = await freePort();
  const child = spawnNode([...nodeFlags("BENCH_API_NODE_FLAGS"), "--import", "tsx", path.join(root, "src/bin/api.ts")], {
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
  });
  const origin = `http://127.0.0.1:${port}`;
  return ready(name, child, origin, () => fetch(`${origin}/readyz`).then((r) => r.ok));
}

/** A scheduler worker (`npm run worker`), its readiness on a free ops port. */
export async function startWorker(databaseUrl: string): Promise<BenchServer> {
  const port = await freePort();
  const child = spawnNode(["--import", "tsx", path.join(root, "src/bin/worker.ts")], {
    DATABASE_URL: databaseUrl,
    WORKER_PORT: String(port),
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    AUTH_DISABLED: "true",
    LOG_LEVEL: "warn",
  });
  const origin = `http://127.0.0.1:${port}`;
  return ready("worker", child, origin, () => fetch(`${origin}/readyz`).then((r) => r.ok));
}

export async function startPostGraphile(databaseUrl: string): Promise<BenchServer> {
  const port = await freePort();
  const cli = path.join(path.dirname(require.resolve("postgraphile/package.json")), "cli.js");
  const shim = path.join(import.meta.dirname, "postgraphile-single-graphql.cjs");
  const child = spawnNode([...nodeFlags("BENCH_POSTGRAPHILE_NODE_FLAGS"), "--require", shim, cli,
    "-c", databaseUrl, "--schema", "public", "--host", "127.0.0.1", "--port", String(port),
    "--dynamic-json", "--disable-query-log", "--max-pool-size", "10"], {});
  const origin = `http://127.0.0.1:${port}`;
  const probe = () =>
    fetch(`${origin}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ __typename }"}' }).then((r) => r.ok);
  return ready("PostGraphile", child, origin, probe);
}

export async function startRawSqlServer(databaseUrl: string): Promise<BenchServer> {
  const port = await freePort();
  const child = spawnNode(["--import", "tsx", path.join(import.meta.dirname, "raw-sql-server.ts")], { DATABASE_URL: databaseUrl, PORT: String(port) });
  const origin = `http://127.0.0.1:${port}`;
  const probe = () => fetch(`${origin}/open-worker-windows`, { method: "POST", body: "{}" }).then((r) => r.ok);
  return ready("raw pg", child, origin, probe);
}

/** BENCH_SERVER_LOGS=1 shows the servers' stdout (our processes log there) on this one's stderr. */
function spawnNode(args: string[], env: Record<string, string>): ChildProcess {
  const stdout = process.env.BENCH_SERVER_LOGS === "1" ? process.stderr : "ignore";
  return spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", stdout, "inherit"] });
}

async function ready(name: string, child: ChildProcess, origin: string, probe: () => Promise<boolean>): Promise<BenchServer> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.race([exited, sleep(10_000).then(() => child.kill("SIGKILL"))]);
    await exited;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before it was ready`);
    if (await probe().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} not ready after 60 s`);
    }
    await sleep(100);
  }
  return { name, origin, pid: child.pid!, stop };
}
