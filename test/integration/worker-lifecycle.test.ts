/** End to end with a real scheduler worker in this process and short settings (seconds). */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import type { TransitionLogRecord } from "../../src/app/records.js";
import { EpochState, EpochTransition, computeWindows } from "../../src/domain/index.js";
import type { WorkerHandle } from "../../src/worker/scheduler-worker.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { assertLifecycleLog } from "../helpers/lifecycle-assertions.js";
import { epochLog, lifecycleFor, startTestWorker, waitFor } from "../helpers/lifecycle.js";

describe("scheduler worker", () => {
  let db: TestDatabase;
  let lc: ReturnType<typeof lifecycleFor>;
  let worker: WorkerHandle | undefined;
  before(async () => {
    db = await createTestDatabase();
    lc = lifecycleFor(db);
  });
  after(async () => {
    await worker?.stop();
    await db.close();
  });

  const epochsOf = (topicId: bigint) => lc.store.epochs.list(db.prisma, { topicId }, { limit: 100 }).then((l) => l.reverse());
  /** Every epoch of the (deactivated) topic finished: nothing of it is due any more. */
  const quiet = (topicId: bigint) =>
    waitFor("every epoch of the topic finished", async () => (await epochsOf(topicId)).every((e) => e.state === EpochState.COMPLETED || e.state === EpochState.CANCELLED));

  it("catches up after downtime: overdue steps run in order; the current period starts when the worker runs, with a full worker window, and the schedule re-anchors", async () => {
    const settings = { epochLength: 3, workerSubmissionWindow: 1, groundTruthLag: 3 };
    const el = settings.epochLength * 1000;
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    const anchor = topic.activatedAt!.getTime();
    // No worker: epoch 0's steps and the periodic starts at +3 s and +6 s fall due. The worker comes
    // back 1.5 s past the +6 s instant (beyond START_LATE_TOLERANCE_MS, 1 s) and well before +9 s.
    await sleep(anchor + 2 * el + 1500 - Date.now());
    const startedAt = Date.now();
    worker = await startTestWorker(db, lc);
    const [first] = await epochsOf(topic.id);
    await waitFor("epoch 0 completed", async () => (await lc.store.epochs.get(db.prisma, first!))?.state === EpochState.COMPLETED);
    await waitFor("the catch-up epoch and the one after it", async () => (await epochsOf(topic.id)).length >= 3);
    await lc.commands.deactivateTopic(topic.id);
    await quiet(topic.id);

    const epochs = await epochsOf(topic.id);
    assert.equal(epochs[0]!.windows.workerOpenAt, anchor);
    const catchUp = epochs[1]!;
    const w = catchUp.windows;
    // Not the aligned instant in the past (+6 s, whose worker window [6 s, 7 s] was over): it starts
    // when the worker ran, so its whole worker window lies after that and lasts workerSubmissionWindow.
    assert.ok(w.workerOpenAt >= startedAt, `the catch-up epoch starts when the worker ran (+${(w.workerOpenAt - anchor) / 1000} s, worker back at +${(startedAt - anchor) / 1000} s)`);
    assert.equal(w.workerCloseAt - w.workerOpenAt, settings.workerSubmissionWindow * 1000);
    assert.deepEqual(w, computeWindows(settings, w.workerOpenAt), "full windows from its actual start");
    const log = await epochLog(lc, topic.id, catchUp.nonce);
    assertLifecycleLog(catchUp, log, { openedByApi: false });
    const opened = log.find((r) => r.transition === EpochTransition.OPEN_WORKER_WINDOW)!;
    const closed = log.find((r) => r.transition === EpochTransition.CLOSE_WORKER_WINDOW);
    assert.ok(opened.at.getTime() >= startedAt);
    assert.ok(closed && closed.at.getTime() >= startedAt + settings.workerSubmissionWindow * 1000, "the worker window closed no earlier than workerSubmissionWindow after the worker was back");
    // The skipped period (+3 s) is counted; the schedule re-anchored at the catch-up start, so the
    // next start is one epochLength after it (on time, no drift).
    const topicNow = (await lc.store.topics.get(db.prisma, topic.id))!;
    assert.equal(topicNow.missedStarts, Math.floor((w.workerOpenAt - anchor) / el) - 1);
    assert.ok(topicNow.missedStarts >= 1);
    assert.deepEqual(epochs.slice(1).map((e) => e.windows.workerOpenAt - w.workerOpenAt), epochs.slice(1).map((_, i) => i * el));
    const logFirst = await epochLog(lc, topic.id, first!.nonce);
    assertLifecycleLog((await lc.store.epochs.get(db.prisma, first!))!, logFirst, { openedByApi: true });
    assert.ok(logFirst.slice(1).every((r) => r.at.getTime() >= startedAt), "overdue steps ran once the worker was back");
  });

  it("runs every activated epoch through the whole lifecycle, on its window times", async () => {
    const settings = { epochLength: 2, workerSubmissionWindow: 1, groundTruthLag: 2 };
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    const anchor = topic.activatedAt!.getTime();
    await waitFor("two completed epochs", async () => (await epochsOf(topic.id)).filter((e) => e.state === EpochState.COMPLETED).length >= 2);
    await lc.commands.deactivateTopic(topic.id);
    await quiet(topic.id);

    const epochs = await epochsOf(topic.id);
    assert.ok(epochs.length >= 3);
    for (const [n, epoch] of epochs.entries()) {
      assert.deepEqual(epoch.windows, computeWindows(settings, anchor + n * 2000), `epoch ${n} starts at activation + n·epochLength`);
      assertLifecycleLog(epoch, await epochLog(lc, topic.id, epoch.nonce), { openedByApi: n === 0 });
    }
    assert.equal(epochs.filter((e) => e.state === EpochState.COMPLETED).length >= 2, true);
  });

  it("a worker stopped between close-reputer and complete: the epoch waits in PENDING_COMPLETION, still due, and the next worker completes it", async () => {
    await worker?.stop();
    worker = undefined;
    const topic = await lc.commands.createTopic({ epochLength: 2, workerSubmissionWindow: 1, groundTruthLag: 2 });
    const epoch = await lc.commands.startEpoch(topic.id);
    // No worker runs: every step falls due. Then one round that is told to stop right after its
    // close-reputer batch committed (a worker stopped or killed between two batches).
    await waitFor("the reputer window's close due", async () => Date.now() >= epoch.windows.reputerCloseAt);
    let closed = false;
    const round = lifecycleFor(db, undefined, {
      onCommitted: (records: readonly TransitionLogRecord[]) => void (closed ||= records.some((r) => r.transition === EpochTransition.CLOSE_REPUTER_WINDOW)),
    });
    const applied = await round.scheduler.runDue(Date.now(), await round.scheduler.dueInstants(), () => closed);
    assert.equal(applied, 3, "close-worker, open-reputer and close-reputer, each its own batch");
    assert.equal((await lc.store.epochs.get(db.prisma, epoch))?.state, EpochState.PENDING_COMPLETION);
    assert.deepEqual((await round.scheduler.dueInstants()).steps.at(-1), epoch.windows.reputerCloseAt, "COMPLETE is still due at the reputer close");

    worker = await startTestWorker(db, lc);
    await waitFor("completed by the next worker", async () => (await lc.store.epochs.get(db.prisma, epoch))?.state === EpochState.COMPLETED);
    const log = await epochLog(lc, topic.id, epoch.nonce);
    assertLifecycleLog((await lc.store.epochs.get(db.prisma, epoch))!, log, { openedByApi: true });
  });

  it("cancelling mid-way stops every later transition of that epoch", async () => {
    const topic = await lc.commands.createTopic({ epochLength: 3, workerSubmissionWindow: 1, groundTruthLag: 3 });
    const epoch = await lc.commands.startEpoch(topic.id);
    await waitFor("worker window closed", async () => (await lc.store.epochs.get(db.prisma, epoch))?.state === EpochState.WAITING_GROUND_TRUTH);
    await lc.commands.cancelEpoch(epoch, "test");
    // Once every later step would have been due, a round of the scheduler (as the worker runs it)
    // applies none of them.
    await waitFor("the reputer window's close due", async () => Date.now() >= epoch.windows.reputerCloseAt);
    await lc.scheduler.runDue(Date.now(), await lc.scheduler.dueInstants());
    const log = await epochLog(lc, topic.id, epoch.nonce);
    assert.deepEqual(log.map((r) => r.transition), [EpochTransition.OPEN_WORKER_WINDOW, EpochTransition.CLOSE_WORKER_WINDOW, EpochTransition.CANCEL]);
  });

  it("a worker stopped past a start instant: on time the starts stay on the grid; back late, the catch-up epoch starts when it runs", async () => {
    const settings = { epochLength: 3, workerSubmissionWindow: 1, groundTruthLag: 3 };
    const el = settings.epochLength * 1000;
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    const anchor = topic.activatedAt!.getTime();
    await waitFor("the periodic start at +3 s", async () => (await epochsOf(topic.id)).length >= 2);
    await worker!.stop();
    worker = undefined;
    const onTime = (await epochsOf(topic.id))[1]!;
    assert.equal(onTime.windows.workerOpenAt, anchor + el, "on time: exactly on the grid");
    // Down past +6 s and +9 s; back 1.5 s after +9 s (beyond the 1 s tolerance, well before +12 s).
    await sleep(anchor + 3 * el + 1500 - Date.now());
    const restartedAt = Date.now();
    worker = await startTestWorker(db, lc);
    await waitFor("the catch-up epoch", async () => (await epochsOf(topic.id)).length >= 3);
    const catchUp = (await epochsOf(topic.id))[2]!;
    assert.ok(catchUp.windows.workerOpenAt >= restartedAt, "starts when the worker ran, not at +9 s in the past");
    assert.deepEqual(catchUp.windows, computeWindows(settings, catchUp.windows.workerOpenAt));
    const t = (await lc.store.topics.get(db.prisma, topic.id))!;
    assert.equal(t.missedStarts, Math.floor((catchUp.windows.workerOpenAt - anchor) / el) - 2, "the periods between the on-time start and the catch-up, counted");
    assert.ok(t.missedStarts >= 1);
    assert.equal(t.activatedAt?.getTime(), catchUp.windows.workerOpenAt, "the schedule re-anchored at the catch-up start");
    await lc.commands.deactivateTopic(topic.id);
    await quiet(topic.id);
    const epochs = await epochsOf(topic.id);
    assert.ok(epochs.every((e) => e.state === EpochState.COMPLETED || e.state === EpochState.CANCELLED));
    assertLifecycleLog((await lc.store.epochs.get(db.prisma, catchUp))!, await epochLog(lc, topic.id, catchUp.nonce), { openedByApi: false });
  });
});
