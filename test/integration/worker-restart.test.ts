/**
 * The database goes away under running scheduler workers (in this process, on a private embedded
 * PostgreSQL stopped and started again): a worker's `problem` (its readiness check) is set while
 * it cannot reach the database and cleared once it can; it retries by itself and carries on, steps
 * due meanwhile run on its return, every transition exactly once; its LISTEN session comes back;
 * and a worker stopped during the outage stops at once and stays stopped. A lost connection (the
 * server ends the worker's sessions) is replaced too, and notices wake the worker again.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createLifecycle, startLifecycleWorker } from "../../src/bin/lifecycle-wiring.js";
import { withDatabase } from "../../src/db/admin.js";
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/db/embedded-postgres.js";
import { createDatabaseClient } from "../../src/db/prisma-client.js";
import { prepareDatabase } from "../../src/db/setup.js";
import { workerCheck } from "../../src/worker/readiness.js";
import type { WorkerHandle } from "../../src/worker/scheduler-worker.js";
import { EpochState } from "../../src/domain/index.js";
import { createTestDatabase } from "../helpers/database.js";
import { assertEveryEpochCompletedOnce, liveEpochCount, stopPeriodicStarts } from "../helpers/lifecycle-audit.js";
import { lifecycleFor, startTestWorker, waitFor } from "../helpers/lifecycle.js";

describe("scheduler worker across a database outage", { timeout: 180_000 }, () => {
  it("problem set while PostgreSQL is down and cleared after; the worker carries on; each transition once", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "ew-worker-restart-"));
    const port = await freePort();
    let server: EmbeddedDatabase | null = await startEmbeddedPostgres({ dir: dataDir, port });
    const url = withDatabase(server.url, "epoch_windows_restart");
    const workers: WorkerHandle[] = [];
    const { prisma, pool } = createDatabaseClient(url, { max: 4 });
    after(async () => {
      for (const w of workers) await w.stop().catch(() => {});
      await prisma.$disconnect().catch(() => {});
      await server?.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    });
    await prepareDatabase(url);
    const lc = createLifecycle({ prisma, pool });
    const errors: string[] = [];
    const start = async () => {
      const w = await startLifecycleWorker({ WORKER_MAX_SLEEP_MS: 500 }, url, lc, { onError: (e) => void errors.push(e.message) });
      workers.push(w);
      return w;
    };
    const [worker, doomed] = [await start(), await start()];
    const ready = () => workerCheck(worker).check().then(() => true, () => false);
    const completed = async () => (await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM epoch WHERE state = 5`)[0]!.n;
    const listening = async () =>
      (await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'epoch-windows scheduler'`)[0]!.n;

    const topic = await lc.commands.createTopic({ epochLength: 1, workerSubmissionWindow: 1, groundTruthLag: 1, active: true });
    await waitFor("a lifecycle completed", async () => (await completed()) >= 1, 20_000);
    assert.equal(worker.problem, null);
    assert.equal(await ready(), true);

    // --- PostgreSQL goes away (fast shutdown).
    await server.stop();
    server = null;
    const downAt = Date.now();
    await waitFor("the worker's problem set", async () => worker.problem !== null, 15_000);
    assert.match(worker.problem!, /cannot reach the database/);
    assert.equal(await ready(), false, "its readiness check fails meanwhile");
    // Stopped during the outage (in its retry backoff): it stops without waiting for the database.
    await Promise.race([doomed.stop(), sleep(10_000, undefined, { ref: false }).then(() => Promise.reject(new Error("stop() waited for the database")))]);
    // Steps fall due while the server is down (epochs of 2 s; a start every second).
    await waitFor("the outage past a few due instants", async () => Date.now() >= downAt + 2500);
    assert.ok(worker.problem !== null, "still unable while the server is down");

    // --- PostgreSQL is back on the same port and data directory.
    server = await startEmbeddedPostgres({ dir: dataDir, port });
    const backAt = Date.now();
    await waitFor("the worker's problem cleared", async () => worker.problem === null, 30_000);
    assert.equal(await ready(), true);
    await waitFor("its LISTEN session back", async () => (await listening()) === 1, 30_000);
    const before = await completed();
    await waitFor("lifecycles complete again", async () => (await completed()) >= before + 2, 30_000);
    const [caughtUp] = await prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM transition_record WHERE due_at > ${new Date(downAt + 200)} AND due_at < ${new Date(backAt - 200)} AND at >= ${new Date(backAt)}`;
    assert.ok(caughtUp!.n > 0, "steps due during the outage ran once the database was back");

    await stopPeriodicStarts(prisma);
    await waitFor("every epoch finished", async () => (await liveEpochCount(prisma)) === 0, 30_000);
    const [audit] = await assertEveryEpochCompletedOnce(prisma, [topic.id]);
    assert.ok(audit!.epochs.length >= 4, `${audit!.epochs.length} epochs`);
    assert.equal(await listening(), 1, "the worker stopped during the outage did not come back");
    assert.ok(errors.length > 0, "the outage was reported through onError");
    await worker.stop();
  });

  it("its sessions ended by the server: the LISTEN session comes back and a schedule change wakes the worker again", async () => {
    const db = await createTestDatabase();
    after(() => db.close());
    const lc = lifecycleFor(db);
    // It looks by itself only every minute: only a notice can wake it in time below.
    const worker = await startTestWorker(db, lc, { maxSleepMs: 60_000 });
    try {
      const sessions = async () =>
        (await db.prisma.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'epoch-windows scheduler'`).map((r) => r.pid);
      const [old] = await sessions();
      assert.ok(old, "the LISTEN session is up");
      await db.prisma.$queryRaw`SELECT pg_terminate_backend(${old})`;
      await waitFor("a new LISTEN session", async () => {
        const now = await sessions();
        return now.length === 1 && now[0] !== old;
      });
      const topic = await lc.commands.createTopic({ epochLength: 2, workerSubmissionWindow: 1, groundTruthLag: 2 });
      const epoch = await lc.commands.startEpoch(topic.id);
      await waitFor("the worker window closed by the woken worker", async () => (await lc.store.epochs.get(db.prisma, epoch))?.state === EpochState.WAITING_GROUND_TRUTH, 15_000);
      assert.equal(worker.problem, null);
    } finally {
      await worker.stop();
    }
  });
});
