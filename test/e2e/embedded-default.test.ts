/**
 * `npm start` with no DATABASE_URL: the service runs on an embedded PostgreSQL with its data in a
 * directory of its own, survives a kill -9 (the next start recovers the data directory and the
 * server the dead process left behind), and stops cleanly on SIGTERM.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../src/db/embedded-postgres.js";

const entry = path.resolve(import.meta.dirname, "../../src/bin/api.ts");

async function start(dataDir: string, pgPort: number) {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: "127.0.0.1", EMBEDDED_PG_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: "warn", NODE_ENV: "production", AUTH_DISABLED: "true" };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", entry], { env, stdio: ["ignore", "inherit", "inherit"] });
  // Never leave a server behind when an assertion fails mid-test.
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${url}/readyz`).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) throw new Error("not ready after 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
  const gql = async (query: string) => {
    const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
    return (await res.json()) as { data?: any; errors?: unknown };
  };
  return { child, exited, gql };
}

describe("embedded PostgreSQL by default", { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ew-embedded-test-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("serves on an embedded database, keeps its data across a kill -9, and stops cleanly", async () => {
    const pgPort = await freePort();
    const first = await start(dataDir, pgPort);
    const created = await first.gql(`mutation { createTopic(input: { id: "5", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 600 }) { id } }`);
    assert.deepEqual(created, { data: { createTopic: { id: "5" } } });
    const started = await first.gql(`mutation { startEpoch(topicId: "5") { nonce state } }`);
    assert.deepEqual(started, { data: { startEpoch: { nonce: "72057594037927937", state: "WORKER_SUBMISSION" } } });

    first.child.kill("SIGKILL"); // its PostgreSQL child keeps running, orphaned
    await first.exited;

    const second = await start(dataDir, pgPort); // the window lasts 600 s: still open however slow the restart
    const after = await second.gql(`{ topic(id: "5") { lastNonce epochs { totalCount } } openWorkerWindows(topicId: "5") { totalCount } }`);
    assert.deepEqual(after, { data: { topic: { lastNonce: "72057594037927937", epochs: { totalCount: 1 } }, openWorkerWindows: { totalCount: 1 } } });
    second.child.kill("SIGTERM");
    assert.equal(await second.exited, 0, "clean exit on SIGTERM");
  });
});
