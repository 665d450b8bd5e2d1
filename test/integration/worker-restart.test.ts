/**
 * A scheduler pool that ends by itself (graphile-worker shuts a pool down when it cannot record a
 * job's completion, e.g. while PostgreSQL restarts) is replaced by a fresh one: jobs keep running,
 * the new pool has its liveness session, every transition still happens exactly once; and stop()
 * during the restart backoff ends the worker for good.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { after, before, describe, it } from "node:test";
import type { WorkerEvents, WorkerPool } from "graphile-worker";
import { startWorker } from "../../src/worker/runner.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { assertEveryEpochCompletedOnce, liveEpochCount, stopPeriodicStarts } from "../helpers/lifecycle-audit.js";
import { lifecycleFor, waitFor } from "../helpers/lifecycle.js";

describe("worker pool restart", () => {
  let db: TestDatabase;
  let lc: ReturnType<typeof lifecycleFor>;
  before(async () => {
    db = await createTestDatabase();
    lc = lifecycleFor(db);
  });
  after(() => db.close());

  function start(pools: WorkerPool[]) {
    const events: WorkerEvents = new EventEmitter();
    events.on("pool:create", ({ workerPool }) => void pools.push(workerPool));
    return startWorker({
      connectionString: db.url, work: lc.work, concurrency: 8, pollIntervalMs: 500, sweepIntervalMs: 500, orphanGraceMs: 1000, waitRetryMs: 100, logLevel: "fatal", events,
    });
  }
  const completed = async () => (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM epoch WHERE state = 5`)[0]!.n;
  const liveness = async (poolId: string) =>
    (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${`ew-worker ${poolId}`}`)[0]!.n;

  it("a pool that shuts down by itself is replaced; lifecycles go on, each transition once", async () => {
    const pools: WorkerPool[] = [];
    const worker = await start(pools);
    const topic = await lc.commands.createTopic({ epochLength: 1, workerSubmissionWindow: 1, groundTruthLag: 1, active: true });
    await waitFor("a lifecycle completed", async () => (await completed()) >= 1, 20_000);

    const first = worker.poolId;
    void pools[0]!.gracefulShutdown("simulated: could not record a job's completion");
    await waitFor("a new pool runs", async () => worker.poolId !== first && worker.problem === null, 20_000);
    assert.equal(pools.length, 2);
    await waitFor("the old pool's liveness session is gone, the new one's is up", async () => (await liveness(first)) === 0 && (await liveness(worker.poolId)) === 1);
    const before = await completed();
    await waitFor("lifecycles complete under the new pool", async () => (await completed()) >= before + 2, 20_000);

    await stopPeriodicStarts(db.prisma);
    await waitFor("every epoch finished", async () => (await liveEpochCount(db.prisma)) === 0, 20_000);
    await assertEveryEpochCompletedOnce(db.prisma, [topic.id]);
    await worker.stop();
    await worker.done;
  });

  it("stop() while a replacement pool is pending ends the worker; no pool is started after it", async () => {
    const pools: WorkerPool[] = [];
    const worker = await start(pools);
    void pools[0]!.gracefulShutdown("simulated");
    await waitFor("the pool is down", async () => worker.problem !== null);
    await worker.stop();
    await worker.done;
    await new Promise((r) => setTimeout(r, 1500)); // past the first restart delay
    assert.equal(pools.length, 1);
  });
});
