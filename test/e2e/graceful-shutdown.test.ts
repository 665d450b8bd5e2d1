/**
 * SIGTERM to the real API process (src/bin/api.ts): it stops accepting connections, lets an
 * in-flight HTTP request finish, closes WebSockets with 1001 (going away) and exits 0. SIGTERM to
 * a standalone worker (src/bin/worker.ts) in the middle of a large backlog: it finishes the batch
 * in flight and exits 0 within SHUTDOWN_TIMEOUT_MS; what it did not get to stays due and a fresh
 * worker applies it, every step once.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { spawnApi } from "../helpers/api-process.js";
import { spawnTsx } from "../helpers/child-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { dueBacklog, waitFor } from "../helpers/lifecycle.js";
import { assertOverdueAppliedOnce, insertOverdueEpochs, overdueProgress } from "../helpers/overdue-epochs.js";
import { seedEpochs } from "../helpers/seed-epochs.js";
import { spawnWorker } from "../helpers/worker-process.js";
import { rawSocket } from "../helpers/ws-client.js";

describe("graceful shutdown (e2e, real process)", { timeout: 180_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await seedEpochs(db.prisma);
  });
  after(async () => {
    await db?.close();
  });

  it("drains an in-flight request, closes sockets with 1001 and exits 0", async () => {
    const api = await spawnApi(db.url, { RATE_LIMIT_BURST: "0" });
    const exited = new Promise<number | null>((resolve) => api.child.once("exit", (code) => resolve(code)));

    const socket = rawSocket(api.url, {});
    assert.equal(await socket.acked, true);
    socket.send({ id: "s", type: "subscribe", payload: { query: `subscription { epochTransitioned { cursor } }` } });

    // Hold a lock the request's read needs, so it is still running when the signal arrives.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE epoch IN ACCESS EXCLUSIVE MODE");
    const inflight = fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ epochs(first: 5) { totalCount } }` }),
    });
    await waitUntil(async () => {
      const { rows } = await locker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      return rows[0].n > 0;
    });

    api.child.kill("SIGTERM");
    const closed = await socket.closed;
    assert.equal(closed.code, 1001, `close ${closed.code} ${closed.reason}`);

    // No new work: a fresh connection is refused while the in-flight request still runs.
    await waitUntil(async () => {
      try {
        const res = await fetch(`${api.url}/healthz`, { headers: { connection: "close" } });
        return res.status === 503;
      } catch {
        return true;
      }
    });
    assert.equal(api.child.exitCode, null, "still draining");

    await locker.query("COMMIT");
    await locker.end();
    const res = await inflight;
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as any).data.epochs.totalCount, 28);
    assert.equal(await exited, 0);
  });

  it("a worker told to stop in the middle of 20,000 overdue epochs exits 0 within 10 s; a fresh worker applies the rest, each step once", async () => {
    const worker = await createTestDatabase();
    try {
      const backlog = await insertOverdueEpochs(worker.prisma, { topics: 40, perTopic: 500 });
      assert.equal(await dueBacklog(worker), backlog.count, "every epoch's next step is due");
      // The bound: a worker stops within 10 s. The worker exits 1 when SHUTDOWN_TIMEOUT_MS
      // runs out before it stopped, so exit code 0 says it stopped within it.
      const { child, signal } = spawnTsx(path.resolve(import.meta.dirname, "../../src/bin/worker.ts"), {
        DATABASE_URL: worker.url, WORKER_PORT: "0", HOST: "127.0.0.1", NODE_ENV: "production", AUTH_DISABLED: "true", LOG_LEVEL: "warn",
        WORKER_BATCH_SIZE: "500", SHUTDOWN_TIMEOUT_MS: "10000",
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => void (out += chunk.toString()));
      await waitFor("the worker running", async () => /scheduler worker \S+ running/.test(out), 60_000);
      await waitFor("the worker in the middle of the backlog", async () => (await overdueProgress(worker.prisma, backlog)).records > 0, 30_000, 20);

      void signal("SIGTERM");
      const code = await Promise.race([exited, sleep(15_000, "still running 15 s after SIGTERM", { ref: false })]);
      assert.equal(code, 0, "stopped before SHUTDOWN_TIMEOUT_MS (10 s) and exited cleanly");
      const left = await overdueProgress(worker.prisma, backlog);
      assert.equal(left.wrong, 0);
      assert.ok(left.completed < backlog.count, `unfinished work stays due (${left.completed} of ${backlog.count} completed)`);
      assert.equal(await dueBacklog(worker), backlog.count - left.completed, "every epoch not completed is still due for its next step");
      // Each batch is one statement and one transaction: no transaction wrote more than a batch.
      const [largest] = await worker.prisma.$queryRaw<{ n: number }[]>`SELECT max(n)::int AS n FROM (SELECT count(*) AS n FROM transition_record GROUP BY txid) b`;
      assert.equal(largest!.n, 500, "WORKER_BATCH_SIZE bounds each statement (the first batches are full)");

      const fresh = await spawnWorker(worker.url);
      await waitFor("the rest applied", async () => (await overdueProgress(worker.prisma, backlog)).completed === backlog.count, 120_000, 200);
      await assertOverdueAppliedOnce(worker.prisma, backlog);
      assert.equal(await dueBacklog(worker), 0);
      await fresh.stop();
    } finally {
      await worker.close();
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
