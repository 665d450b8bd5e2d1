/** The real API entry point (src/bin/api.ts) as a child process on a free port. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { after } from "node:test";
import { freePort } from "../../src/db/embedded-postgres.js";

export interface ApiProcess {
  readonly child: ChildProcess;
  readonly url: string;
  gql(query: string, variables?: Record<string, unknown>): Promise<any>;
  stop(): Promise<void>;
}

const entry = path.resolve(import.meta.dirname, "../../src/bin/api.ts");

export async function spawnApi(databaseUrl: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: "127.0.0.1", RUN_WORKER: "false", NODE_ENV: "production", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  // Registered in the calling test (or suite) context: call spawnApi from a test, not a before hook.
  after(() => signal("SIGKILL"));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API process exited (${child.exitCode}) before it was ready`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error("API process not ready after 30 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    async gql(query, variables) {
      const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: any; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    },
    stop: () => signal("SIGTERM"),
  };
}
