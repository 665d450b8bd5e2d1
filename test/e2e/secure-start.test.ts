/**
 * Safe by default (issue 14), against real processes: with NODE_ENV=production and no credentials
 * the API and the worker refuse to start with the recipe; AUTH_DISABLED=true opens it on purpose
 * (a warning, and a banner in the playground and dashboard); development keeps the quick start.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../src/db/embedded-postgres.js";
import { spawnApi } from "../helpers/api-process.js";
import { spawnTsx } from "../helpers/child-process.js";
import { API_KEYS, OPERATOR_KEY } from "../helpers/credentials.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const API = path.resolve(import.meta.dirname, "../../src/bin/api.ts");
const WORKER = path.resolve(import.meta.dirname, "../../src/bin/worker.ts");
const KEYS = API_KEYS.map((k) => `${k.role}:${k.sha256}`).join(",");
const BANNER = /<body[^>]*>\s*<div id="auth-off-banner" role="alert" style="[^"]+">Authentication is disabled \(AUTH_DISABLED=true\)/;
const CREATE = `mutation { createTopic(input: { epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 10 }) { id } }`;

/** Everything the child writes, as it comes. */
function output(child: ChildProcess): () => string {
  let text = "";
  child.stdout?.on("data", (c: Buffer) => (text += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (text += c.toString()));
  return () => text;
}

/** Runs an entry point that must refuse to start: its exit code and output. */
async function refused(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; text: string }> {
  const port = await freePort();
  const { child } = spawnTsx(file, { PORT: String(port), WORKER_PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", ...env }, { stderr: "pipe" });
  const text = output(child);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  // Nothing listened meanwhile.
  assert.equal(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => "answered", () => "refused"), "refused");
  return { code, text: text() };
}

async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

const page = (url: string) => fetch(url, { headers: { accept: "text/html" } }).then((r) => r.text());

describe("secure by default in production", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("the API and the worker refuse NODE_ENV=production without credentials, with the recipe", async () => {
    // Undefined drops a variable the test runner's environment might carry.
    const env = { DATABASE_URL: db.url, NODE_ENV: "production", API_KEYS: undefined, JWT_SECRET: undefined, JWT_PUBLIC_KEY: undefined, AUTH_DISABLED: undefined };
    for (const file of [API, WORKER]) {
      const { code, text } = await refused(file, env);
      assert.equal(code, 2, text);
      assert.match(text, /refuses to start: NODE_ENV=production and no credentials are configured/);
      assert.match(text, /npm run keygen/);
      assert.match(text, /AUTH_DISABLED=true/);
      assert.doesNotMatch(text, /\n.*\n.*\n/, "one paragraph, no stack trace");
    }
  });

  it("refuses AUTH_DISABLED=true together with credentials", async () => {
    const { code, text } = await refused(API, { DATABASE_URL: db.url, NODE_ENV: "production", API_KEYS: KEYS, AUTH_DISABLED: "true" });
    assert.equal(code, 2, text);
    assert.match(text, /AUTH_DISABLED=true and credentials .* are both configured/);
  });

  it("AUTH_DISABLED=true starts open on purpose: a warning, and a banner in the playground and dashboard", async () => {
    const api = await spawnApi(db.url, { AUTH_DISABLED: "true", PLAYGROUND: "true", LOG_LEVEL: "info" }, { stderr: "pipe" });
    const text = output(api.child);
    assert.deepEqual(Object.keys((await post(api.url, CREATE)).data ?? {}), ["createTopic"], "anonymous mutation allowed");
    assert.match(await page(`${api.url}/dashboard`), BANNER);
    assert.match(await page(`${api.url}/`), BANNER);
    assert.match(text(), /authentication is DISABLED \(AUTH_DISABLED=true\)/);
    await api.stop();
    assert.equal(api.child.exitCode, 0);
  });

  it("with API keys: enforced, no banner", async () => {
    const api = await spawnApi(db.url, { API_KEYS: KEYS, PLAYGROUND: "true" }, { stderr: "pipe" });
    const text = output(api.child);
    assert.equal((await post(api.url, CREATE)).errors?.[0]?.extensions?.code, "UNAUTHENTICATED");
    assert.deepEqual(Object.keys((await post(api.url, CREATE, { "x-api-key": OPERATOR_KEY })).data ?? {}), ["createTopic"]);
    assert.doesNotMatch(await page(`${api.url}/dashboard`), /auth-off-banner/);
    assert.doesNotMatch(await page(`${api.url}/`), /auth-off-banner/);
    await api.stop();
    assert.doesNotMatch(text(), /authentication is (OFF|DISABLED)/);
  });

  it("development keeps the quick start: no credentials, auth off with a warning, no banner", async () => {
    const api = await spawnApi(db.url, { NODE_ENV: "development", AUTH_DISABLED: "false", LOG_LEVEL: "info" }, { stderr: "pipe" });
    const text = output(api.child);
    assert.deepEqual(Object.keys((await post(api.url, CREATE)).data ?? {}), ["createTopic"]);
    assert.doesNotMatch(await page(`${api.url}/dashboard`), /auth-off-banner/);
    await api.stop();
    assert.match(text(), /authentication is OFF/);
  });
});
