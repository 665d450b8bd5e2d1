/**
 * The compiled runtime the image runs: `npm run build` produces dist/, and `node dist/bin/api.js`
 * (secured, as production must be) and `node dist/bin/worker.js` start on a fresh database, answer
 * /readyz, serve the dashboard's copied assets, and stop cleanly on SIGTERM.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../src/db/embedded-postgres.js";
import { API_KEYS, OPERATOR_KEY } from "../helpers/credentials.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { waitFor } from "../helpers/lifecycle.js";

const root = path.resolve(import.meta.dirname, "../..");
const KEYS = API_KEYS.map((k) => `${k.role}:${k.sha256}`).join(",");

function startCompiled(file: string, env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (c: Buffer) => (text += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (text += c.toString()));
  after(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")));
  return { child, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))), output: () => text };
}

const ok = (url: string) => fetch(url).then((r) => r.ok, () => false);

describe("compiled runtime (npm run build → node dist/bin/*.js)", { timeout: 180_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("builds, serves and stops on a fresh database", async () => {
    const build = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8", timeout: 150_000 });
    assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);

    const keygen = spawnSync(process.execPath, ["dist/bin/keygen.js"], { cwd: root, encoding: "utf8" });
    assert.match(keygen.stdout, /^ {2}operator:[0-9a-f]{64}$/m);

    const [port, workerPort] = [await freePort(), await freePort()];
    const common = { DATABASE_URL: db.url, HOST: "127.0.0.1", NODE_ENV: "production", API_KEYS: KEYS, LOG_LEVEL: "warn", AUTH_DISABLED: undefined };
    const api = startCompiled("dist/bin/api.js", { ...common, PORT: String(port), RUN_WORKER: "false" });
    const worker = startCompiled("dist/bin/worker.js", { ...common, WORKER_PORT: String(workerPort) });
    const url = `http://127.0.0.1:${port}`;
    await waitFor("the compiled API ready", async () => {
      if (api.child.exitCode !== null) throw new Error(`api exited (${api.child.exitCode}):\n${api.output()}`);
      return ok(`${url}/readyz`);
    }, 60_000, 100);
    await waitFor("the compiled worker ready", async () => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited (${worker.child.exitCode}):\n${worker.output()}`);
      return ok(`http://127.0.0.1:${workerPort}/readyz`);
    }, 60_000, 100);

    // Assets outside TypeScript came along, and decorators kept their metadata (the schema works).
    const dashboard = await fetch(`${url}/dashboard`);
    assert.equal(dashboard.status, 200);
    assert.match(await dashboard.text(), /<body/i);
    const created = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": OPERATOR_KEY },
      body: JSON.stringify({ query: `mutation { createTopic(input: { id: "3", epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 10 }) { id } }` }),
    }).then((r) => r.json());
    assert.deepEqual(created, { data: { createTopic: { id: "3" } } });

    api.child.kill("SIGTERM");
    worker.child.kill("SIGTERM");
    assert.equal(await api.exited, 0, api.output());
    assert.equal(await worker.exited, 0, worker.output());
  });
});
