/**
 * PostgreSQL stopped (fast shutdown) and started again while lifecycles run: a real API process
 * (with its in-process worker) and a standalone worker process reconnect by themselves, their
 * /readyz goes 503 then 200, every epoch still passes its states exactly once and in order (steps
 * due during the outage run on restart), and subscribers that resume from their last cursor get
 * exactly the log: no gap, no duplicate. The server is a private embedded PostgreSQL on its own
 * port and data directory, so stopping it disturbs no other test.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { ChildProcess } from "node:child_process";
import { withDatabase } from "../../src/db/admin.js";
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/db/embedded-postgres.js";
import { createPrismaClient, type Db } from "../../src/db/prisma-client.js";
import { prepareDatabase } from "../../src/db/setup.js";
import { spawnApi } from "../helpers/api-process.js";
import { spawnTsx } from "../helpers/child-process.js";
import { assertEveryEpochCompletedOnce, liveEpochCount, stopPeriodicStarts } from "../helpers/lifecycle-audit.js";
import { waitFor } from "../helpers/lifecycle.js";
import { resumingSubscription, type ResumingSubscription } from "../helpers/resuming-subscription.js";

const SUB = `subscription($after: String) { epochTransitioned(after: $after) { cursor topicId nonce transition } }`;
const NAMES = ["OPEN_WORKER_WINDOW", "CLOSE_WORKER_WINDOW", "OPEN_REPUTER_WINDOW", "CLOSE_REPUTER_WINDOW", "COMPLETE", "CANCEL"];
/** Short lifecycles (seconds): each topic starts an epoch every epochLength; the last one has an extra lag. */
const TOPICS = [
  { id: 11n, epochLength: 1, groundTruthLag: 1, workerSubmissionWindow: 1 },
  { id: 12n, epochLength: 2, groundTruthLag: 2, workerSubmissionWindow: 1 },
  { id: 13n, epochLength: 2, groundTruthLag: 3, workerSubmissionWindow: 1 },
];
const OUTAGE_MS = 5000;

interface Ev { cursor: string; topicId: string; nonce: string; transition: string }

/**
 * Keeps a child's output drained (a full pipe would block its logger) and its lines for the failure
 * report: the outage makes both processes log connection errors, expected here.
 */
function drain(child: ChildProcess, name: string, lines: string[]): void {
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on("data", (chunk: Buffer) => {
      for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(`${name}: ${l}`);
    });
  }
}

async function status(url: string): Promise<number> {
  return fetch(url, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => 0);
}

describe("faults: PostgreSQL stopped and started under running lifecycles", { timeout: 240_000 }, () => {
  it("API and worker reconnect, readiness follows, no transition lost or doubled, subscribers resume exactly", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "ew-faults-pg-"));
    const pgPort = await freePort();
    let server: EmbeddedDatabase | null = await startEmbeddedPostgres({ dir: dataDir, port: pgPort });
    const url = withDatabase(server.url, "epoch_windows_faults");
    const children: ChildProcess[] = [];
    const logs: string[] = [];
    let passed = false;
    let db: Db | null = null;
    const subscribers: ResumingSubscription<Ev>[] = [];
    after(async () => {
      for (const s of subscribers) s.stop();
      if (!passed) console.error(`--- last lines of the processes' logs:\n${logs.slice(-150).join("\n")}`);
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await db?.$disconnect().catch(() => {});
      await server?.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    });
    await prepareDatabase(url);

    // The API with its in-process worker, and a standalone worker (src/bin/worker.ts) beside it.
    const api = await spawnApi(url, { RUN_WORKER: "true", FEED_POLL_INTERVAL_MS: "500" }, { stderr: "pipe" });
    children.push(api.child);
    drain(api.child, "api", logs);
    const workerPort = await freePort();
    const worker = spawnTsx(path.resolve(import.meta.dirname, "../../src/bin/worker.ts"), {
      DATABASE_URL: url, WORKER_PORT: String(workerPort), HOST: "127.0.0.1", NODE_ENV: "production", AUTH_DISABLED: "true", LOG_LEVEL: "warn",
    }, { stderr: "pipe" });
    children.push(worker.child);
    drain(worker.child, "worker", logs);
    const workerReady = `http://127.0.0.1:${workerPort}/readyz`;
    await waitFor("the standalone worker ready", async () => (await status(workerReady)) === 200, 60_000, 200);

    // A cursor from before any lifecycle: every subscriber resumes from it, so none can miss a start.
    await api.gql(`mutation { createTopic(input: { id: "10", epochLength: 3600, groundTruthLag: 3600, workerSubmissionWindow: 3600 }) { id } }`);
    await api.gql(`mutation { startEpoch(topicId: "10") { nonce } }`);
    const from = await waitFor("the first record", async () => (await api.gql(`{ transitions(topicId: "10") { edges { cursor } } }`)).transitions.edges[0]?.cursor as string | undefined);
    const pick = (d: any) => d.epochTransitioned as Ev;
    const steady = resumingSubscription<Ev>(api.url, SUB, {}, pick, { after: from });
    const away = resumingSubscription<Ev>(api.url, SUB, {}, pick, { after: from });
    subscribers.push(steady, away);

    for (const s of TOPICS) {
      await api.gql(`mutation($i: CreateTopicInput!) { createTopic(input: $i) { id } }`, {
        i: { id: s.id.toString(), epochLength: s.epochLength, groundTruthLag: s.groundTruthLag, workerSubmissionWindow: s.workerSubmissionWindow, active: true },
      });
    }
    db = createPrismaClient(url, { max: 2 });
    const completed = async () => (await db!.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM epoch WHERE state = 5`)[0]!.n;
    await waitFor("a few lifecycles completed", async () => (await completed()) >= 3, 30_000, 100);

    // --- PostgreSQL goes away (fast shutdown: sessions are terminated, nothing committed is lost).
    away.pause(); // this client goes away during the outage and comes back while it lasts
    const stoppedAt = Date.now();
    await db.$disconnect();
    await server.stop();
    server = null;
    await waitFor("API /readyz 503", async () => (await status(`${api.url}/readyz`)) === 503, 15_000, 100);
    await waitFor("worker /readyz 503", async () => (await status(workerReady)) === 503, 15_000, 100);
    away.resume(); // back while the server is down: a replay that cannot be read fails, and it resumes again
    await sleep(Math.max(0, stoppedAt + OUTAGE_MS - Date.now()));
    assert.equal(api.child.exitCode, null, "the API process is still running");
    assert.equal(worker.child.exitCode, null, "the worker process is still running");

    // --- PostgreSQL is back on the same port and data directory.
    server = await startEmbeddedPostgres({ dir: dataDir, port: pgPort });
    const restartedAt = Date.now();
    await waitFor("API /readyz 200 again", async () => (await status(`${api.url}/readyz`)) === 200, 60_000, 200);
    await waitFor("worker /readyz 200 again", async () => (await status(workerReady)) === 200, 60_000, 200);
    db = createPrismaClient(url, { max: 2 });
    // Both workers (the API's and the standalone one) are back on their LISTEN session, so they are
    // woken by schedule changes again (they also look every WORKER_MAX_SLEEP_MS meanwhile).
    const sessions = async () =>
      (await db!.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'epoch-windows scheduler'`)[0]!.n;
    await waitFor("the workers' LISTEN sessions are back", async () => (await sessions()) === 2, 30_000, 200);
    const before = await completed();
    await waitFor("lifecycles complete again", async () => (await completed()) >= before + 3, 60_000, 200);

    // Let the epochs in flight finish, then audit every one of them.
    await stopPeriodicStarts(db);
    await waitFor("every epoch finished", async () => (await liveEpochCount(db!)) === 1, 60_000, 200); // topic 10's stays open
    const audits = await assertEveryEpochCompletedOnce(db, TOPICS.map((s) => s.id));
    for (const a of audits) assert.ok(a.epochs.length >= 3, `topic ${a.topicId}: ${a.epochs.length} epochs`);
    const caughtUp = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM transition_record
      WHERE due_at > ${new Date(stoppedAt + 500)} AND due_at < ${new Date(restartedAt - 500)} AND at >= ${new Date(restartedAt - 500)}`;
    assert.ok(caughtUp[0]!.n > 0, "steps due during the outage were applied after the restart");

    // Both subscribers got exactly the log after their starting cursor, in log order.
    const log = await db.$queryRaw<{ topic: string; nonce: string; transition: number }[]>`
      SELECT u64_decode(topic_id)::text AS topic, u64_decode(nonce)::text AS nonce, transition FROM transition_record ORDER BY txid, id`;
    assert.equal(log[0]!.topic, "10");
    const expected = log.slice(1).map((r) => `${r.topic}/${r.nonce}:${NAMES[r.transition]}`);
    for (const [name, s] of [["steady", steady], ["away", away]] as const) {
      await s.waitFor(expected.length, 30_000);
      await sleep(300);
      assert.deepEqual(s.items.map((e) => `${e.topicId}/${e.nonce}:${e.transition}`), expected, `${name}: every transition once, in log order`);
      assert.equal(new Set(s.items.map((e) => e.cursor)).size, s.items.length, `${name}: no cursor twice`);
      s.stop();
    }
    assert.ok(away.attempts >= 2, "the away subscriber resumed");

    const exited = (p: Promise<void>, what: string) =>
      Promise.race([p, sleep(30_000, undefined, { ref: false }).then(() => Promise.reject(new Error(`${what} did not exit within 30 s of SIGTERM`)))]);
    await exited(api.stop(), "the API");
    await exited(worker.signal("SIGTERM"), "the worker");
    assert.equal(api.child.exitCode, 0, "API exits cleanly");
    assert.equal(worker.child.exitCode, 0, "worker exits cleanly");
    passed = true;
  });
});
