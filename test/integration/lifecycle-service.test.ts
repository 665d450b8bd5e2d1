/** The lifecycle commands and scheduled work against a real database, without a worker running. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ConflictError,
  EpochState,
  EpochTransition,
  IllegalTransitionError,
  InvalidTopicSettingsError,
  NotFoundError,
  Task,
  computeWindows,
  epochJobKey,
  lifecycleSteps,
  makeNonce,
  periodicJobKey,
} from "../../src/domain/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { LEAD_MS, epochLog, lifecycleFor, pendingJobs } from "../helpers/lifecycle.js";

const settings = { epochLength: 10, groundTruthLag: 15, workerSubmissionWindow: 5 };

describe("lifecycle service", () => {
  let db: TestDatabase;
  let clock = Date.UTC(2030, 0, 1, 12, 0, 0);
  const now = () => clock;
  let lc: ReturnType<typeof lifecycleFor>;
  before(async () => {
    db = await createTestDatabase();
    lc = lifecycleFor(db, now);
  });
  after(() => db.close());

  it("refuses bad settings and unknown ids with typed errors", async () => {
    await assert.rejects(lc.commands.createTopic({ epochLength: 10, groundTruthLag: 2, workerSubmissionWindow: 5 }), InvalidTopicSettingsError);
    await assert.rejects(lc.commands.createTopic({ epochLength: 0, groundTruthLag: 2, workerSubmissionWindow: 5 }), InvalidTopicSettingsError);
    const t = await lc.commands.createTopic({ ...settings, id: 77n });
    await assert.rejects(lc.commands.createTopic({ ...settings, id: 77n }), ConflictError);
    await assert.rejects(lc.commands.updateTopic(t.id, { workerSubmissionWindow: 11 }), InvalidTopicSettingsError);
    for (const call of [
      () => lc.commands.activateTopic(999n),
      () => lc.commands.deactivateTopic(999n),
      () => lc.commands.startEpoch(999n),
      () => lc.commands.updateTopic(999n, { epochLength: 20 }),
      () => lc.commands.cancelEpoch({ topicId: t.id, nonce: 12345n }),
      () => lc.commands.applyEpochTransition({ topicId: 999n, nonce: 1n }, EpochTransition.CLOSE_WORKER_WINDOW),
    ]) {
      await assert.rejects(call(), (e: unknown) => e instanceof NotFoundError && e.code === "NOT_FOUND");
    }
    assert.equal(await db.prisma.epoch.count(), 0);
  });

  it("activation starts the first epoch at once and queues its steps and the periodic start", async () => {
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    assert.equal(topic.active, true);
    assert.equal(topic.activatedAt?.getTime(), clock);
    const nonce = makeNonce(1, 1n);
    const epoch = await lc.store.epochs.get(db.prisma, { topicId: topic.id, nonce });
    assert.equal(epoch?.state, EpochState.WORKER_SUBMISSION);
    assert.deepEqual(epoch?.windows, computeWindows(settings, clock));

    const jobs = (await pendingJobs(db)).filter((j) => j.payload.topicId === `${topic.id}`);
    const expected = [
      ...lifecycleSteps(computeWindows(settings, clock)).map((s) => ({ key: epochJobKey(s.task, topic.id, nonce), at: s.dueAt, priority: s.priority })),
      { key: periodicJobKey(topic.id), at: clock + 10_000, priority: 0 },
    ];
    assert.deepEqual(
      jobs.map((j) => ({ key: j.key, at: j.run_at.getTime() + LEAD_MS, priority: j.priority })).sort((a, b) => a.key!.localeCompare(b.key!)),
      expected.sort((a, b) => a.key.localeCompare(b.key)),
    );
    const complete = jobs.find((j) => j.task_identifier === Task.COMPLETE)!;
    const closeReputer = jobs.find((j) => j.task_identifier === Task.CLOSE_REPUTER_WINDOW)!;
    assert.equal(complete.run_at.getTime(), closeReputer.run_at.getTime());
    assert.ok(complete.priority > closeReputer.priority, "complete runs after close at the same instant");
    // Activating again is a no-op.
    assert.deepEqual(await lc.commands.activateTopic(topic.id), await lc.store.topics.get(db.prisma, topic.id));
  });

  it("an illegal manual transition fails with ILLEGAL_TRANSITION and changes nothing", async () => {
    const topic = await lc.commands.createTopic(settings);
    const epoch = await lc.commands.startEpoch(topic.id);
    const jobsBefore = await pendingJobs(db);
    for (const t of [EpochTransition.OPEN_WORKER_WINDOW, EpochTransition.OPEN_REPUTER_WINDOW, EpochTransition.COMPLETE]) {
      await assert.rejects(lc.commands.applyEpochTransition(epoch, t), (e: unknown) => e instanceof IllegalTransitionError && e.code === "ILLEGAL_TRANSITION");
    }
    assert.deepEqual(await lc.store.epochs.get(db.prisma, epoch), epoch);
    assert.equal((await epochLog(lc, topic.id, epoch.nonce)).length, 1);
    assert.deepEqual(await pendingJobs(db), jobsBefore);
  });

  it("an operator override makes the scheduled step end quietly", async () => {
    const topic = await lc.commands.createTopic(settings);
    const epoch = await lc.commands.startEpoch(topic.id);
    const closed = await lc.commands.applyEpochTransition(epoch, EpochTransition.CLOSE_WORKER_WINDOW);
    assert.equal(closed.state, EpochState.WAITING_GROUND_TRUTH);
    assert.equal((await lc.work.runStep(epoch, EpochTransition.CLOSE_WORKER_WINDOW)).kind, "skip");
    // A step whose prerequisite has not happened waits (and is re-queued when asked).
    assert.equal((await lc.work.runStep(epoch, EpochTransition.COMPLETE)).kind, "wait");
    const retryAt = clock + 123;
    assert.equal((await lc.work.runStep(epoch, EpochTransition.COMPLETE, { requeueAt: retryAt })).kind, "wait");
    const requeued = (await pendingJobs(db)).find((j) => j.key === epochJobKey(Task.COMPLETE, topic.id, epoch.nonce));
    assert.equal(requeued?.run_at.getTime(), retryAt);
    const log = await epochLog(lc, topic.id, epoch.nonce);
    assert.deepEqual(log.map((r) => [r.transition, r.source]), [[EpochTransition.OPEN_WORKER_WINDOW, 1], [EpochTransition.CLOSE_WORKER_WINDOW, 1]]);
  });

  it("cancelling an epoch removes its pending jobs; cancelling again is illegal", async () => {
    const topic = await lc.commands.createTopic(settings);
    const a = await lc.commands.startEpoch(topic.id);
    const b = await lc.commands.startEpoch(topic.id);
    const cancelled = await lc.commands.cancelEpoch(a, "operator");
    assert.equal(cancelled.state, EpochState.CANCELLED);
    const keys = (await pendingJobs(db)).map((j) => j.key);
    assert.ok(!keys.some((k) => k?.endsWith(`:${topic.id}-${a.nonce}`)), "no job left for the cancelled epoch");
    assert.equal(keys.filter((k) => k?.endsWith(`:${topic.id}-${b.nonce}`)).length, 4);
    await assert.rejects(lc.commands.cancelEpoch(a), IllegalTransitionError);
    const log = await epochLog(lc, topic.id, a.nonce);
    assert.equal(log.at(-1)?.reason, "operator");
  });

  it("deactivation cancels every live epoch and leaves no pending job; re-activation works despite a leftover periodic job", async () => {
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    await lc.commands.startEpoch(topic.id);
    const done = await lc.commands.startEpoch(topic.id);
    for (const t of [EpochTransition.CLOSE_WORKER_WINDOW, EpochTransition.OPEN_REPUTER_WINDOW, EpochTransition.CLOSE_REPUTER_WINDOW, EpochTransition.COMPLETE]) {
      await lc.commands.applyEpochTransition(done, t);
    }
    const off = await lc.commands.deactivateTopic(topic.id);
    assert.equal(off.active, false);
    const states = (await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 10 })).map((e) => e.state).sort();
    assert.deepEqual(states, [EpochState.COMPLETED, EpochState.CANCELLED, EpochState.CANCELLED].sort());
    assert.deepEqual((await pendingJobs(db)).filter((j) => j.payload.topicId === `${topic.id}`), []);

    // A periodic job that a worker holds (locked) while the topic is re-activated.
    await db.prisma.$executeRaw`SELECT graphile_worker.add_job(${Task.START_NEW_EPOCH}, '{}'::json, job_key => ${periodicJobKey(topic.id)})`;
    await db.prisma.$executeRaw`UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'someone' WHERE key = ${periodicJobKey(topic.id)}`;
    clock += 60_000;
    const on = await lc.commands.activateTopic(topic.id);
    assert.equal(on.activatedAt?.getTime(), clock);
    const periodic = (await pendingJobs(db)).filter((j) => j.key === periodicJobKey(topic.id));
    assert.equal(periodic.length, 1);
    assert.deepEqual(periodic[0]!.payload, { topicId: `${topic.id}`, anchor: clock, index: 1, dueAt: clock + 10_000 });
    await db.prisma.$executeRaw`DELETE FROM graphile_worker._private_jobs WHERE locked_by = 'someone'`;
    await lc.commands.deactivateTopic(topic.id);
  });

  it("scheduling is idempotent: re-scheduling replaces jobs, never fails on an existing key", async () => {
    const topic = await lc.commands.createTopic(settings);
    const epoch = await lc.commands.startEpoch(topic.id);
    const before = await pendingJobs(db);
    const jobs = (lc.commands as unknown as { jobs: { scheduleEpochSteps(tx: unknown, e: unknown): Promise<void> } }).jobs;
    await lc.store.transaction(async (tx) => {
      await jobs.scheduleEpochSteps(tx, epoch);
      await jobs.scheduleEpochSteps(tx, epoch);
    });
    await lc.store.transaction((tx) => jobs.scheduleEpochSteps(tx, epoch));
    assert.deepEqual((await pendingJobs(db)).map((j) => [j.key, j.run_at.getTime()]), before.map((j) => [j.key, j.run_at.getTime()]));
  });

  it("updating settings affects only future epochs and keeps periodic starts aligned", async () => {
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    const anchor = clock;
    const first = (await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 1 }))[0]!;
    clock = anchor + 25_000; // between starts 2 (anchor+20 s) and 3 (anchor+30 s)
    const updated = await lc.commands.updateTopic(topic.id, { epochLength: 20, groundTruthLag: 20 });
    assert.equal(updated.epochLength, 20);
    assert.equal(updated.activatedAt?.getTime(), anchor + 30_000, "re-anchored at the next start due under the old length");
    assert.deepEqual((await lc.store.epochs.get(db.prisma, first))?.windows, first.windows, "running epochs keep their windows");
    const periodic = (await pendingJobs(db)).find((j) => j.key === periodicJobKey(topic.id))!;
    assert.deepEqual(periodic.payload, { topicId: `${topic.id}`, anchor: anchor + 30_000, index: 0, dueAt: anchor + 30_000 });
    await lc.commands.deactivateTopic(topic.id);
  });

  it("periodic starts are idempotent and, after downtime, start only the current epoch", async () => {
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    const anchor = clock;
    clock = anchor + 10_000;
    const r1 = await lc.work.runPeriodicStart({ topicId: topic.id, anchor, index: 1 });
    assert.deepEqual(r1, { kind: "started", index: 1, missed: 0 });
    // The same job again (a crash after commit, before the queue heard of it): nothing new.
    const again = await lc.work.runPeriodicStart({ topicId: topic.id, anchor, index: 1 });
    assert.deepEqual(again, { kind: "already-started", index: 1, missed: 0 });
    // Down from index 2 to 4.5 periods: only index 4 starts, at its aligned instant.
    clock = anchor + 45_000;
    const late = await lc.work.runPeriodicStart({ topicId: topic.id, anchor, index: 2 });
    assert.deepEqual(late, { kind: "started", index: 4, missed: 2 });
    const starts = (await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 10 })).map((e) => e.windows.workerOpenAt - anchor);
    assert.deepEqual(starts, [40_000, 10_000, 0]);
    const periodic = (await pendingJobs(db)).find((j) => j.key === periodicJobKey(topic.id))!;
    assert.deepEqual(periodic.payload, { topicId: `${topic.id}`, anchor, index: 5, dueAt: anchor + 50_000 });
    // A job from an older activation does nothing.
    assert.equal((await lc.work.runPeriodicStart({ topicId: topic.id, anchor: anchor - 1, index: 9 })).kind, "skip");
    await lc.commands.deactivateTopic(topic.id);
    assert.equal((await lc.work.runPeriodicStart({ topicId: topic.id, anchor, index: 5 })).kind, "skip");
  });
});
