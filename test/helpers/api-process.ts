/** The real API entry point (src/bin/api.ts) as a child process on a free port. */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../src/db/embedded-postgres.js";
import { untilServing } from "../../bench/listening-socket.js";
import { spawnTsx } from "./child-process.js";

export interface ApiProcess {
  readonly child: ChildProcess;
  readonly url: string;
  gql(query: string, variables?: Record<string, unknown>): Promise<any>;
  stop(): Promise<void>;
}

export const TEST_CURSOR_SECRET = "test-cursor-secret-shared-by-api-processes";

const entry = path.resolve(import.meta.dirname, "../../src/bin/api.ts");

export async function spawnApi(databaseUrl: string, env: Record<string, string> = {}, opts: { stderr?: "inherit" | "pipe" } = {}): Promise<ApiProcess> {
  // Production refuses to start without credentials: tests that give none turn auth off explicitly.
  const credentials = Boolean(env.API_KEYS || env.JWT_SECRET || env.JWT_PUBLIC_KEY);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const { child, signal } = spawnTsx(entry, {
      DATABASE_URL: databaseUrl, PORT: String(port), HOST: "127.0.0.1", RUN_WORKER: "false", NODE_ENV: "production", LOG_LEVEL: "warn",
      // One key for every API process of a test: cursors from one instance work on another.
      CURSOR_SECRET: TEST_CURSOR_SECRET, ...(credentials ? {} : { AUTH_DISABLED: "true" }), ...env,
    }, opts);
    const url = `http://127.0.0.1:${port}`;
    // Ready means this child holds the port and answers, not whoever else may listen on it.
    if (await untilServing("API process", child, port, () => fetch(`${url}/readyz`).then((r) => r.ok), 30_000)) return api(child, url, signal);
    // Another process took the port between freePort() and the bind (bench/listening-socket.ts): try another.
    if (attempt >= 3) throw new Error("API process: another process took its port, three times");
  }
}

function api(child: ChildProcess, url: string, signal: (sig: NodeJS.Signals) => Promise<void>): ApiProcess {
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
