/** The lifecycle commands and scheduled work against a real database, without a worker running. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { JobSchedulerPort } from "../../src/app/lifecycle-ports.js";
import type { EpochKey } from "../../src/app/records.js";
import { ScheduledWork, nextStep } from "../../src/app/scheduled-work.js";
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
  type TaskName,
} from "../../src/domain/index.js";
import { JOBS_DUE_CHANNEL, PgJobScheduler } from "../../src/jobs/job-scheduler.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { LEAD_MS, epochLog, lifecycleFor, pendingJobs, type JobRow } from "../helpers/lifecycle.js";

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
    // The chain's rule GTL ≥ EL, on create and on the merged settings of an update.
    await assert.rejects(lc.commands.createTopic({ epochLength: 100, groundTruthLag: 50, workerSubmissionWindow: 10 }), { name: "InvalidTopicSettingsError", field: "groundTruthLag" });
    await assert.rejects(lc.commands.updateTopic(t.id, { groundTruthLag: 9 }), { name: "InvalidTopicSettingsError", field: "groundTruthLag" });
    await assert.rejects(lc.commands.updateTopic(t.id, { epochLength: 16 }), { name: "InvalidTopicSettingsError", field: "epochLength" });
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

  /** The queued jobs of one epoch. */
  const jobsOf = async (key: EpochKey) => (await pendingJobs(db)).filter((j) => j.payload.topicId === `${key.topicId}` && j.payload.nonce === `${key.nonce}`);
  /** What a worker does when it claims a job and finishes it: the job leaves the queue. */
  const takeJob = async (key: EpochKey, task: TaskName): Promise<JobRow> => {
    const job = (await jobsOf(key)).find((j) => j.key === epochJobKey(task, key.topicId, key.nonce));
    assert.ok(job, `${task} is queued`);
    await db.prisma.$executeRaw`DELETE FROM graphile_worker._private_jobs WHERE key = ${job.key}`;
    return job;
  };
  /** The job of one step, due (and payload dueAt) at `dueAt`, claimable LEAD_MS before it. */
  const stepJob = (key: EpochKey, task: TaskName, dueAt: number, priority = 0) => ({
    key: epochJobKey(task, key.topicId, key.nonce),
    task,
    runAt: dueAt - LEAD_MS,
    priority,
    payload: { topicId: `${key.topicId}`, nonce: `${key.nonce}`, dueAt },
  });
  const shape = (jobs: JobRow[]) => jobs.map((j) => ({ key: j.key, task: j.task_identifier, runAt: j.run_at.getTime(), priority: j.priority, payload: j.payload }));

  it("activation starts the first epoch at once and queues only its next step and the periodic start", async () => {
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    assert.equal(topic.active, true);
    assert.equal(topic.activatedAt?.getTime(), clock);
    const nonce = makeNonce(1, 1n);
    const epoch = await lc.store.epochs.get(db.prisma, { topicId: topic.id, nonce });
    assert.equal(epoch?.state, EpochState.WORKER_SUBMISSION);
    assert.deepEqual(epoch?.windows, computeWindows(settings, clock));

    const jobs = (await pendingJobs(db)).filter((j) => j.payload.topicId === `${topic.id}`);
    const w = computeWindows(settings, clock);
    assert.deepEqual(
      shape(jobs).sort((a, b) => a.key!.localeCompare(b.key!)),
      [
        stepJob({ topicId: topic.id, nonce }, Task.CLOSE_WORKER_WINDOW, w.workerCloseAt),
        { key: periodicJobKey(topic.id), task: Task.START_NEW_EPOCH, runAt: clock + 10_000 - LEAD_MS, priority: 0, payload: { topicId: `${topic.id}`, anchor: clock, index: 1, dueAt: clock + 10_000 } },
      ].sort((a, b) => a.key.localeCompare(b.key)),
    );
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
    // The overridden step's job is gone; the next one is queued at its own time.
    assert.deepEqual(shape(await jobsOf(epoch)), [stepJob(epoch, Task.OPEN_REPUTER_WINDOW, epoch.windows.reputerOpenAt)]);
    assert.equal((await lc.work.runStep(epoch, EpochTransition.CLOSE_WORKER_WINDOW)).kind, "skip");
    // A step whose prerequisite has not happened waits (and is re-queued when asked).
    assert.equal((await lc.work.runStep(epoch, EpochTransition.COMPLETE)).kind, "wait");
    const retryAt = clock + 123;
    assert.equal((await lc.work.runStep(epoch, EpochTransition.COMPLETE, { requeueAt: retryAt })).kind, "wait");
    const requeued = (await pendingJobs(db)).find((j) => j.key === epochJobKey(Task.COMPLETE, topic.id, epoch.nonce));
    assert.equal(requeued?.run_at.getTime(), retryAt);
    assert.deepEqual(requeued?.payload, { topicId: `${topic.id}`, nonce: `${epoch.nonce}`, dueAt: epoch.windows.reputerCloseAt });
    const log = await epochLog(lc, topic.id, epoch.nonce);
    assert.deepEqual(log.map((r) => [r.transition, r.source]), [[EpochTransition.OPEN_WORKER_WINDOW, 1], [EpochTransition.CLOSE_WORKER_WINDOW, 1]]);
    // Overriding up to the reputer close queues complete at its due time; completing leaves nothing.
    await lc.commands.applyEpochTransition(epoch, EpochTransition.OPEN_REPUTER_WINDOW);
    await lc.commands.applyEpochTransition(epoch, EpochTransition.CLOSE_REPUTER_WINDOW);
    assert.deepEqual(shape(await jobsOf(epoch)), [stepJob(epoch, Task.COMPLETE, epoch.windows.reputerCloseAt, 1)]);
    await lc.commands.applyEpochTransition(epoch, EpochTransition.COMPLETE);
    assert.deepEqual(await jobsOf(epoch), []);
  });

  it("each step queues exactly its successor in its own transaction; complete is handed to the worker that closed", async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const announced: number[] = [];
    listener.on("notification", (m) => announced.push(...(m.payload ?? "").split(",").filter(Boolean).map(Number)));
    await listener.query(`LISTEN "${JOBS_DUE_CHANNEL}"`);
    const heard = async () => {
      await listener.query("SELECT 1"); // notifications of committed transactions arrive before its reply
      return announced.splice(0);
    };
    try {
      const topic = await lc.commands.createTopic(settings);
      const epoch = await lc.commands.startEpoch(topic.id);
      const w = epoch.windows;
      const step = (t: EpochTransition) => lifecycleSteps(w).find((s) => s.transition === t)!;
      assert.deepEqual(shape(await jobsOf(epoch)), [stepJob(epoch, Task.CLOSE_WORKER_WINDOW, w.workerCloseAt)]);
      assert.deepEqual(await heard(), [w.workerCloseAt - LEAD_MS], "the job was announced to the workers' timers");
      assert.deepEqual(nextStep(epoch), step(EpochTransition.CLOSE_WORKER_WINDOW));

      const chain: Array<[EpochTransition, TaskName, TaskName, number]> = [
        [EpochTransition.CLOSE_WORKER_WINDOW, Task.CLOSE_WORKER_WINDOW, Task.OPEN_REPUTER_WINDOW, w.reputerOpenAt],
        [EpochTransition.OPEN_REPUTER_WINDOW, Task.OPEN_REPUTER_WINDOW, Task.CLOSE_REPUTER_WINDOW, w.reputerCloseAt],
      ];
      for (const [transition, task, nextTask, nextDue] of chain) {
        clock = step(transition).dueAt;
        await takeJob(epoch, task);
        const outcome = await lc.work.runStep(epoch, transition, { chain: true });
        assert.equal(outcome.kind, "applied");
        assert.equal(outcome.kind === "applied" && outcome.next, undefined, "the next step is not due yet: a worker will claim it");
        assert.deepEqual(shape(await jobsOf(epoch)), [stepJob(epoch, nextTask, nextDue)], `after ${EpochTransition[transition]}`);
        assert.deepEqual(await heard(), [nextDue - LEAD_MS]);
      }

      // Close-reputer: complete is due at the same instant, so the same worker runs it next and it
      // is not queued (the close-reputer job, held until then, is the safety net).
      clock = w.reputerCloseAt + 3;
      await takeJob(epoch, Task.CLOSE_REPUTER_WINDOW);
      const closed = await lc.work.runStep(epoch, EpochTransition.CLOSE_REPUTER_WINDOW, { chain: true });
      assert.equal(closed.kind, "applied");
      assert.deepEqual(closed.kind === "applied" && closed.next, step(EpochTransition.COMPLETE));
      assert.deepEqual(await jobsOf(epoch), []);
      assert.deepEqual(await heard(), []);
      // That job run again (its worker died before complete): it resumes the epoch with complete.
      const rerun = await lc.work.runStep(epoch, EpochTransition.CLOSE_REPUTER_WINDOW, { chain: true });
      assert.equal(rerun.kind, "resume");
      assert.deepEqual(rerun.kind === "resume" && rerun.next, step(EpochTransition.COMPLETE));
      assert.equal((await lc.work.runStep(epoch, EpochTransition.CLOSE_REPUTER_WINDOW)).kind, "skip", "without chain: nothing to resume");
      const completed = await lc.work.runStep(epoch, EpochTransition.COMPLETE, { chain: true });
      assert.equal(completed.kind, "applied");
      assert.deepEqual(await jobsOf(epoch), []);
      assert.equal((await lc.work.runStep(epoch, EpochTransition.CLOSE_REPUTER_WINDOW, { chain: true })).kind, "skip", "finished: nothing to resume");

      const log = await epochLog(lc, topic.id, epoch.nonce);
      assert.deepEqual(
        log.map((r) => [r.transition, r.dueAt?.getTime() ?? null]),
        [
          [EpochTransition.OPEN_WORKER_WINDOW, null],
          [EpochTransition.CLOSE_WORKER_WINDOW, w.workerCloseAt],
          [EpochTransition.OPEN_REPUTER_WINDOW, w.reputerOpenAt],
          [EpochTransition.CLOSE_REPUTER_WINDOW, w.reputerCloseAt],
          [EpochTransition.COMPLETE, w.reputerCloseAt],
        ],
      );
      assert.equal((await lc.store.epochs.get(db.prisma, epoch))?.state, EpochState.COMPLETED);

      // Without `chain` (or when the step is not due yet) complete is queued for a worker at its time.
      const other = await lc.commands.startEpoch(topic.id);
      await lc.commands.applyEpochTransition(other, EpochTransition.CLOSE_WORKER_WINDOW);
      await lc.commands.applyEpochTransition(other, EpochTransition.OPEN_REPUTER_WINDOW);
      clock = other.windows.reputerCloseAt;
      await takeJob(other, Task.CLOSE_REPUTER_WINDOW);
      const plain = await lc.work.runStep(other, EpochTransition.CLOSE_REPUTER_WINDOW);
      assert.equal(plain.kind === "applied" && plain.next, undefined);
      assert.deepEqual(shape(await jobsOf(other)), [stepJob(other, Task.COMPLETE, other.windows.reputerCloseAt, 1)]);
      await lc.commands.cancelEpoch(other);
    } finally {
      await listener.end();
    }
  });

  it("cancelling an epoch removes its pending jobs; cancelling again is illegal", async () => {
    const topic = await lc.commands.createTopic(settings);
    const a = await lc.commands.startEpoch(topic.id);
    const b = await lc.commands.startEpoch(topic.id);
    const cancelled = await lc.commands.cancelEpoch(a, "operator");
    assert.equal(cancelled.state, EpochState.CANCELLED);
    const keys = (await pendingJobs(db)).map((j) => j.key);
    assert.ok(!keys.some((k) => k?.endsWith(`:${topic.id}-${a.nonce}`)), "no job left for the cancelled epoch");
    assert.deepEqual(keys.filter((k) => k?.endsWith(`:${topic.id}-${b.nonce}`)), [epochJobKey(Task.CLOSE_WORKER_WINDOW, topic.id, b.nonce)], "the other epoch keeps its one queued step");
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
    const jobs = (lc.commands as unknown as { jobs: JobSchedulerPort<unknown> }).jobs;
    const step = nextStep(epoch)!;
    await lc.store.transaction(async (tx) => {
      await jobs.scheduleStep(tx, epoch, step);
      await jobs.scheduleStep(tx, epoch, step);
    });
    await lc.store.transaction((tx) => jobs.scheduleStep(tx, epoch, step));
    assert.deepEqual(shape(await pendingJobs(db)), shape(before));
    assert.deepEqual(shape(await jobsOf(epoch)), [stepJob(epoch, Task.CLOSE_WORKER_WINDOW, epoch.windows.workerCloseAt)]);
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

  it("periodic starts are idempotent and, after downtime, start the current epoch when they run (never in the past)", async () => {
    const missedSeen: [number, bigint][] = [];
    const work = new ScheduledWork(lc.store, new PgJobScheduler({ leadMs: LEAD_MS }), now, {
      startLateToleranceMs: 1000,
      onMissedStarts: (n, topicId) => missedSeen.push([n, topicId]),
    });
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    const anchor = clock;
    const startsOf = async () => (await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 10 })).map((e) => e.windows.workerOpenAt - anchor).reverse();
    const periodicJob = async () => (await pendingJobs(db)).find((j) => j.key === periodicJobKey(topic.id))!.payload;
    clock = anchor + 10_000;
    const r1 = await work.runPeriodicStart({ topicId: topic.id, anchor, index: 1 });
    assert.deepEqual(r1, { kind: "started", index: 1, missed: 0, startAt: anchor + 10_000, late: false });
    // The same job again (a crash after commit, before the queue heard of it): nothing new, even
    // when the re-run comes late enough to count as a catch-up.
    for (const at of [10_000, 10_999, 13_000, 19_999]) {
      clock = anchor + at;
      assert.deepEqual(await work.runPeriodicStart({ topicId: topic.id, anchor, index: 1 }), { kind: "already-started", index: 1, missed: 0, startAt: anchor + 10_000, late: false });
    }
    assert.deepEqual(await startsOf(), [0, 10_000]);
    assert.deepEqual(await periodicJob(), { topicId: `${topic.id}`, anchor, index: 2, dueAt: anchor + 20_000 });

    // Down from index 2 (due at 20 s) to 45 s: 20 s and 30 s are skipped; the period of 40 s starts
    // now, at 45 s, with full windows, and the schedule re-anchors there.
    clock = anchor + 45_000;
    const late = await work.runPeriodicStart({ topicId: topic.id, anchor, index: 2 });
    assert.deepEqual(late, { kind: "started", index: 4, missed: 2, startAt: anchor + 45_000, late: true });
    const started = (await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 1 }))[0]!;
    assert.deepEqual(started.windows, computeWindows(settings, clock), "the worker window is [now, now + WSW]");
    assert.deepEqual(await startsOf(), [0, 10_000, 45_000]);
    let t = (await lc.store.topics.get(db.prisma, topic.id))!;
    assert.deepEqual([t.activatedAt?.getTime(), t.missedStarts], [anchor + 45_000, 2], "re-anchored, skipped periods counted with the start");
    assert.deepEqual(await periodicJob(), { topicId: `${topic.id}`, anchor: anchor + 45_000, index: 1, dueAt: anchor + 55_000 });
    assert.deepEqual(missedSeen, [[2, topic.id]]);
    // The late job again (a crash after its commit): its anchor is stale now, nothing happens.
    clock = anchor + 47_000;
    assert.equal((await work.runPeriodicStart({ topicId: topic.id, anchor, index: 2 })).kind, "skip");

    // On the new grid: on time (within the tolerance) stays on it, no drift.
    clock = anchor + 55_900;
    assert.deepEqual(await work.runPeriodicStart({ topicId: topic.id, anchor: anchor + 45_000, index: 1 }), { kind: "started", index: 1, missed: 0, startAt: anchor + 55_000, late: false });
    // Down again, back within the tolerance of a later grid instant: that one starts on the grid.
    clock = anchor + 75_300;
    assert.deepEqual(await work.runPeriodicStart({ topicId: topic.id, anchor: anchor + 45_000, index: 2 }), { kind: "started", index: 3, missed: 1, startAt: anchor + 75_000, late: false });
    t = (await lc.store.topics.get(db.prisma, topic.id))!;
    assert.deepEqual([t.activatedAt?.getTime(), t.missedStarts], [anchor + 45_000, 3]);
    assert.deepEqual(await startsOf(), [0, 10_000, 45_000, 55_000, 75_000]);
    assert.deepEqual(missedSeen, [[2, topic.id], [1, topic.id]]);

    // A job from an older activation does nothing.
    assert.equal((await work.runPeriodicStart({ topicId: topic.id, anchor: anchor - 1, index: 9 })).kind, "skip");
    await lc.commands.deactivateTopic(topic.id);
    assert.equal((await work.runPeriodicStart({ topicId: topic.id, anchor: anchor + 45_000, index: 4 })).kind, "skip");
  });

  it("a late periodic start taking the locked path (topic changed while it waited) re-anchors and counts in that transaction", async () => {
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    const anchor = clock;
    clock = anchor + 32_000; // due at 10 s: 10 s and 20 s skipped, the period of 30 s starts now
    const operatorStarts = async () => void (await lc.commands.startEpoch(topic.id));
    const r = await lc.work.runPeriodicStart({ topicId: topic.id, anchor, index: 1 }, { beforeWrite: operatorStarts });
    assert.deepEqual(r, { kind: "started", index: 3, missed: 2, startAt: anchor + 32_000, late: true });
    const t = (await lc.store.topics.get(db.prisma, topic.id))!;
    assert.deepEqual([t.activatedAt?.getTime(), t.missedStarts], [anchor + 32_000, 2]);
    const newest = (await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 1 }))[0]!;
    assert.deepEqual(newest.windows, computeWindows(settings, anchor + 32_000));
    assert.equal(t.lastNonce, newest.nonce);
    await lc.commands.deactivateTopic(topic.id);
  });

  it("a periodic start prepared without a lock re-decides under the lock when its topic changed while it waited", async () => {
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    const anchor = clock;
    clock = anchor + 10_000;
    // An operator starts an epoch while the periodic start waits for its instant: the one-statement
    // write finds the nonce counter moved, and the locked attempt starts the epoch with the next nonce.
    let apiEpoch: EpochKey | undefined;
    const operatorStarts = async () => {
      clock += 1; // not at the periodic instant itself (that one would count as already started)
      apiEpoch = await lc.commands.startEpoch(topic.id);
      clock -= 1;
    };
    const r = await lc.work.runPeriodicStart({ topicId: topic.id, anchor, index: 1 }, { beforeWrite: operatorStarts });
    assert.deepEqual(r, { kind: "started", index: 1, missed: 0, startAt: anchor + 10_000, late: false });
    const epochs = await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 10 });
    assert.equal(epochs.length, 3, "activation's, the operator's and the periodic one");
    assert.equal(new Set(epochs.map((e) => e.nonce)).size, 3, "no nonce used twice");
    const periodic = epochs.find((e) => e.windows.workerOpenAt === anchor + 10_000)!;
    assert.ok(periodic.nonce > apiEpoch!.nonce, "the periodic epoch took the nonce after the operator's");
    assert.equal((await lc.store.topics.get(db.prisma, topic.id))?.lastNonce, periodic.nonce);
    const log = await epochLog(lc, topic.id, periodic.nonce);
    assert.deepEqual(log.map((l) => [l.transition, l.from, l.to, l.dueAt?.getTime()]), [[EpochTransition.OPEN_WORKER_WINDOW, EpochState.INIT, EpochState.WORKER_SUBMISSION, anchor + 10_000]]);
    assert.equal(periodic.version, 1);

    // Deactivated while it waited: nothing is started.
    clock = anchor + 20_000;
    const stale = await lc.work.runPeriodicStart({ topicId: topic.id, anchor, index: 2 }, { beforeWrite: async () => void (await lc.commands.deactivateTopic(topic.id)) });
    assert.equal(stale.kind, "skip");
    assert.equal((await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 10 })).length, 3);
  });

  it("a step handed the epoch as its predecessor leaves it writes without reading, and reads when that was wrong", async () => {
    const topic = await lc.commands.createTopic(settings);
    const epoch = await lc.commands.startEpoch(topic.id);
    await lc.commands.applyEpochTransition(epoch, EpochTransition.CLOSE_WORKER_WINDOW);
    const open = await lc.commands.applyEpochTransition(epoch, EpochTransition.OPEN_REPUTER_WINDOW);
    clock = open.windows.reputerCloseAt;
    // The predecessor (close-reputer) did not happen: the expectation fails, the step reads and waits.
    const wrong = { ...open, state: EpochState.PENDING_COMPLETION, version: open.version + 1 };
    assert.equal((await lc.work.runStep(epoch, EpochTransition.COMPLETE, { expected: wrong })).kind, "wait");
    const closed = await lc.commands.applyEpochTransition(epoch, EpochTransition.CLOSE_REPUTER_WINDOW);
    const done = await lc.work.runStep(epoch, EpochTransition.COMPLETE, { expected: closed, chain: true });
    assert.equal(done.kind, "applied");
    const after = (await lc.store.epochs.get(db.prisma, epoch))!;
    assert.equal(after.state, EpochState.COMPLETED);
    assert.equal(after.version, closed.version + 1);
    assert.deepEqual((await epochLog(lc, topic.id, epoch.nonce)).map((l) => l.transition).slice(-2), [EpochTransition.CLOSE_REPUTER_WINDOW, EpochTransition.COMPLETE]);
    // The complete job the operator's close queued is left; run, it ends quietly.
    assert.deepEqual((await jobsOf(epoch)).map((j) => j.task_identifier), [Task.COMPLETE]);
    assert.equal((await lc.work.runStep(epoch, EpochTransition.COMPLETE, { chain: true })).kind, "skip");
    await lc.store.transaction((tx) => (lc.commands as unknown as { jobs: JobSchedulerPort<unknown> }).jobs.unscheduleEpoch(tx, epoch));
  });
});
