/**
 * The lifecycle commands and the set-based scheduler against a real database, without a worker
 * running: the scheduler is driven round by round with explicit instants.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { EpochKey, TransitionLogRecord } from "../../src/app/records.js";
import { SCHEDULE_CHANNEL } from "../../src/app/scheduler-ports.js";
import { toStored } from "../../src/db/uint64-column.js";
import {
  ConflictError,
  EpochState,
  EpochTransition,
  IllegalTransitionError,
  InvalidTopicSettingsError,
  NotFoundError,
  TransitionSource,
  computeWindows,
  makeNonce,
} from "../../src/domain/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { epochLog, lifecycleFor } from "../helpers/lifecycle.js";

// Worker window [T, T+5 s], reputer window [T+15 s, T+30 s] (extra lag 5 s), a start every 10 s.
const settings = { epochLength: 10, groundTruthLag: 15, workerSubmissionWindow: 5 };
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const { CLOSE_WORKER_WINDOW: CW, OPEN_REPUTER_WINDOW: OR, CLOSE_REPUTER_WINDOW: CR, COMPLETE: C, OPEN_WORKER_WINDOW: OW, CANCEL } = EpochTransition;
const { SCHEDULER, API } = TransitionSource;

/** A log as [transition, source, dueAt] rows. */
const shape = (log: readonly TransitionLogRecord[]) => log.map((r) => [r.transition, r.source, r.dueAt?.getTime() ?? null]);

describe("lifecycle commands", () => {
  let db: TestDatabase;
  let clock = T0;
  let lc: ReturnType<typeof lifecycleFor>;
  before(async () => {
    db = await createTestDatabase();
    lc = lifecycleFor(db, () => clock);
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

  it("a new topic waits for nothing; activation starts the first epoch now and writes the next start on the row", async () => {
    const idle = await lc.commands.createTopic(settings);
    assert.deepEqual([idle.active, idle.activatedAt, idle.nextStartAt, idle.lastNonce], [false, null, null, null]);

    const topic = await lc.commands.createTopic({ ...settings, active: true });
    assert.deepEqual([topic.active, topic.activatedAt?.getTime(), topic.nextStartAt?.getTime()], [true, clock, clock + 10_000]);
    const nonce = makeNonce(1, 1n);
    assert.equal(topic.lastNonce, nonce);
    const epoch = await lc.store.epochs.get(db.prisma, { topicId: topic.id, nonce });
    assert.equal(epoch?.state, EpochState.WORKER_SUBMISSION);
    assert.equal(epoch?.version, 1);
    assert.deepEqual(epoch?.windows, computeWindows(settings, clock));
    assert.deepEqual(shape(await epochLog(lc, topic.id, nonce)), [[OW, API, null]]);

    // Activating again is a no-op; activating the idle topic later anchors it then.
    assert.deepEqual(await lc.commands.activateTopic(topic.id), await lc.store.topics.get(db.prisma, topic.id));
    clock += 1234;
    const on = await lc.commands.activateTopic(idle.id);
    assert.deepEqual([on.active, on.activatedAt?.getTime(), on.nextStartAt?.getTime(), on.lastNonce], [true, clock, clock + 10_000, nonce]);
    await lc.commands.deactivateTopic(topic.id);
    await lc.commands.deactivateTopic(idle.id);
  });

  it("startEpoch starts an epoch now with the next nonce; the topic's schedule is untouched", async () => {
    const topic = await lc.commands.createTopic(settings);
    const a = await lc.commands.startEpoch(topic.id);
    clock += 7;
    const b = await lc.commands.startEpoch(topic.id);
    assert.deepEqual([a.nonce, b.nonce], [makeNonce(1, 1n), makeNonce(1, 2n)]);
    assert.deepEqual(b.windows, computeWindows(settings, clock));
    assert.deepEqual([b.state, b.version], [EpochState.WORKER_SUBMISSION, 1]);
    const t = (await lc.store.topics.get(db.prisma, topic.id))!;
    assert.deepEqual([t.active, t.activatedAt, t.nextStartAt, t.lastNonce], [false, null, null, b.nonce]);
    assert.deepEqual(shape(await epochLog(lc, topic.id, b.nonce)), [[OW, API, null]]);
  });

  it("an illegal manual transition fails with ILLEGAL_TRANSITION and changes nothing", async () => {
    const topic = await lc.commands.createTopic(settings);
    const epoch = await lc.commands.startEpoch(topic.id);
    for (const t of [EpochTransition.OPEN_WORKER_WINDOW, EpochTransition.OPEN_REPUTER_WINDOW, EpochTransition.COMPLETE]) {
      await assert.rejects(lc.commands.applyEpochTransition(epoch, t), (e: unknown) => e instanceof IllegalTransitionError && e.code === "ILLEGAL_TRANSITION");
    }
    assert.deepEqual(await lc.store.epochs.get(db.prisma, epoch), epoch);
    assert.equal((await epochLog(lc, topic.id, epoch.nonce)).length, 1);
  });

  it("cancelling an epoch finishes it with its reason; cancelling again is illegal; other epochs are untouched", async () => {
    const topic = await lc.commands.createTopic(settings);
    const a = await lc.commands.startEpoch(topic.id);
    const b = await lc.commands.startEpoch(topic.id);
    const cancelled = await lc.commands.cancelEpoch(a, "operator");
    assert.deepEqual([cancelled.state, cancelled.version], [EpochState.CANCELLED, 2]);
    await assert.rejects(lc.commands.cancelEpoch(a), IllegalTransitionError);
    await assert.rejects(lc.commands.applyEpochTransition(a, EpochTransition.CLOSE_WORKER_WINDOW), IllegalTransitionError);
    const log = await epochLog(lc, topic.id, a.nonce);
    assert.deepEqual(log.map((r) => [r.transition, r.from, r.to, r.source, r.reason]), [
      [OW, EpochState.INIT, EpochState.WORKER_SUBMISSION, API, null],
      [CANCEL, EpochState.WORKER_SUBMISSION, EpochState.CANCELLED, API, "operator"],
    ]);
    assert.deepEqual(await lc.store.epochs.get(db.prisma, b), b);
    // CANCEL through applyEpochTransition is the same command.
    const viaApply = await lc.commands.applyEpochTransition(b, CANCEL);
    assert.equal(viaApply.state, EpochState.CANCELLED);
  });

  it("deactivation clears the next start and cancels every live epoch; finished ones stay; re-activation re-anchors", async () => {
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    await lc.commands.startEpoch(topic.id);
    const done = await lc.commands.startEpoch(topic.id);
    for (const t of [CW, OR, CR, C]) await lc.commands.applyEpochTransition(done, t);
    const off = await lc.commands.deactivateTopic(topic.id);
    assert.deepEqual([off.active, off.activatedAt, off.nextStartAt], [false, null, null]);
    const epochs = await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 10 });
    assert.deepEqual(epochs.map((e) => [e.nonce, e.state]).sort((x, y) => Number((x[0] as bigint) - (y[0] as bigint))), [
      [makeNonce(1, 1n), EpochState.CANCELLED],
      [makeNonce(1, 2n), EpochState.CANCELLED],
      [makeNonce(1, 3n), EpochState.COMPLETED],
    ]);
    for (const e of epochs.filter((x) => x.state === EpochState.CANCELLED)) {
      assert.equal((await epochLog(lc, topic.id, e.nonce)).at(-1)?.reason, "topic deactivated");
    }
    // Deactivating again changes nothing.
    assert.equal((await lc.commands.deactivateTopic(topic.id)).active, false);

    clock += 60_000;
    const on = await lc.commands.activateTopic(topic.id);
    assert.deepEqual([on.active, on.activatedAt?.getTime(), on.nextStartAt?.getTime()], [true, clock, clock + 10_000]);
    assert.equal(on.lastNonce, makeNonce(1, 4n), "nonces continue from the counter");
    await lc.commands.deactivateTopic(topic.id);
  });

  it("updating settings affects only future epochs; an epochLength change re-anchors at the next start due under the old length", async () => {
    const topic = await lc.commands.createTopic({ ...settings, active: true });
    const anchor = clock;
    const first = (await lc.store.epochs.list(db.prisma, { topicId: topic.id }, { limit: 1 }))[0]!;
    clock = anchor + 25_000; // between starts 2 (anchor+20 s) and 3 (anchor+30 s)
    const wsw = await lc.commands.updateTopic(topic.id, { workerSubmissionWindow: 4 });
    assert.deepEqual([wsw.activatedAt?.getTime(), wsw.nextStartAt?.getTime()], [anchor, anchor + 10_000], "same length: the schedule is kept");
    const updated = await lc.commands.updateTopic(topic.id, { epochLength: 20, groundTruthLag: 20 });
    assert.deepEqual([updated.epochLength, updated.groundTruthLag, updated.workerSubmissionWindow], [20, 20, 4]);
    assert.deepEqual([updated.activatedAt?.getTime(), updated.nextStartAt?.getTime()], [anchor + 30_000, anchor + 30_000]);
    assert.deepEqual((await lc.store.epochs.get(db.prisma, first))?.windows, first.windows, "running epochs keep their windows");
    await lc.commands.deactivateTopic(topic.id);
    // An inactive topic gets no schedule from an update.
    const idle = await lc.commands.updateTopic(topic.id, { epochLength: 10, groundTruthLag: 15 });
    assert.deepEqual([idle.active, idle.activatedAt, idle.nextStartAt], [false, null, null]);
  });

  it("a mutation announces its due instant on SCHEDULE_CHANNEL when it commits; nothing on rollback or when nothing is due", async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const announced: number[] = [];
    listener.on("notification", (m) => {
      if (m.channel === SCHEDULE_CHANNEL) announced.push(Number(m.payload));
    });
    await listener.query(`LISTEN "${SCHEDULE_CHANNEL}"`);
    const heard = async () => {
      await listener.query("SELECT 1"); // notifications of committed transactions arrive before this reply
      return announced.splice(0);
    };
    try {
      const topic = await lc.commands.createTopic(settings);
      assert.deepEqual(await heard(), [], "an inactive topic schedules nothing");
      const epoch = await lc.commands.startEpoch(topic.id);
      assert.deepEqual(await heard(), [clock + 5_000], "its worker close");
      await lc.commands.applyEpochTransition(epoch, CW);
      assert.deepEqual(await heard(), [clock + 15_000], "the override's next step: the reputer open");
      await lc.commands.applyEpochTransition(epoch, OR);
      await lc.commands.applyEpochTransition(epoch, CR);
      assert.deepEqual(await heard(), [clock + 30_000, clock + 30_000], "then the reputer close, then complete at the same instant");
      await lc.commands.applyEpochTransition(epoch, C);
      assert.deepEqual(await heard(), [], "a finished epoch waits for nothing");

      // Rolled back: an illegal transition, and a transaction that announced and then failed.
      await assert.rejects(lc.commands.applyEpochTransition(epoch, C), IllegalTransitionError);
      await assert.rejects(lc.store.transaction(async (tx) => {
        await lc.store.scheduleChanged(tx, clock);
        throw new Error("rolled back");
      }), /rolled back/);
      assert.deepEqual(await heard(), []);

      // Activation: the earlier of the epoch's worker close and the next start.
      const active = await lc.commands.createTopic({ ...settings, active: true });
      assert.deepEqual(await heard(), [clock + 5_000]);
      const anchor = clock;
      clock = anchor + 25_000;
      await lc.commands.updateTopic(active.id, { epochLength: 20, groundTruthLag: 20 });
      assert.deepEqual(await heard(), [anchor + 30_000], "the re-anchored next start");
      const other = await lc.commands.startEpoch(topic.id);
      assert.deepEqual(await heard(), [clock + 5_000]);
      await lc.commands.cancelEpoch(other);
      await lc.commands.deactivateTopic(active.id);
      assert.deepEqual(await heard(), [], "cancelling and deactivating make nothing due");
    } finally {
      await listener.end();
    }
  });
});

/** A fresh database per test: the scheduler sees every due row, so tests must not share one. */
async function withScheduler(opts: { batchSize?: number }, fn: (s: SchedulerHarness) => Promise<void>): Promise<void> {
  const db = await createTestDatabase();
  try {
    const batches: (readonly TransitionLogRecord[])[] = [];
    const missed: [number, bigint][] = [];
    const h: SchedulerHarness = {
      db,
      clock: T0,
      lc: undefined!,
      batches,
      missed,
      async round(at) {
        batches.length = 0;
        return h.lc.scheduler.runDue(at, await h.lc.scheduler.dueInstants());
      },
      state: async (key) => (await h.lc.store.epochs.get(db.prisma, key))!.state,
      log: (key) => epochLog(h.lc, key.topicId, key.nonce),
    };
    h.lc = lifecycleFor(db, () => h.clock, {
      config: { WORKER_BATCH_SIZE: opts.batchSize ?? 500, START_LATE_TOLERANCE_MS: 1000 },
      onCommitted: (records) => batches.push(records),
      onMissedStarts: (n, topicId) => missed.push([n, topicId]),
    });
    await fn(h);
  } finally {
    await db.close();
  }
}

interface SchedulerHarness {
  readonly db: TestDatabase;
  /** What the commands read as now. */
  clock: number;
  lc: ReturnType<typeof lifecycleFor>;
  /** Committed batches (and commands' records) since the last round began. */
  readonly batches: (readonly TransitionLogRecord[])[];
  readonly missed: [number, bigint][];
  /** One scheduler round at `at`, as a worker runs it: read the due instants, run what is due. */
  round(at: number): Promise<number>;
  state(key: EpochKey): Promise<EpochState>;
  log(key: EpochKey): Promise<TransitionLogRecord[]>;
}

describe("scheduler rounds at explicit instants", () => {
  it("applies each step at or after its instant only, once; complete follows close-reputer at the same instant", () =>
    withScheduler({}, async (h) => {
      const topic = await h.lc.commands.createTopic(settings);
      const e = await h.lc.commands.startEpoch(topic.id);
      const w = e.windows;
      assert.deepEqual(await h.lc.scheduler.dueInstants(), { start: null, steps: [w.workerCloseAt, null, null, null] });
      const rounds: [number, number, EpochState][] = [
        [w.workerCloseAt - 1, 0, EpochState.WORKER_SUBMISSION],
        [w.workerCloseAt, 1, EpochState.WAITING_GROUND_TRUTH],
        [w.workerCloseAt, 0, EpochState.WAITING_GROUND_TRUTH],
        [w.reputerOpenAt - 1, 0, EpochState.WAITING_GROUND_TRUTH],
        [w.reputerOpenAt, 1, EpochState.REPUTER_SUBMISSION],
        [w.reputerOpenAt + 1, 0, EpochState.REPUTER_SUBMISSION],
        [w.reputerCloseAt - 1, 0, EpochState.REPUTER_SUBMISSION],
        [w.reputerCloseAt, 2, EpochState.COMPLETED],
        [w.reputerCloseAt, 0, EpochState.COMPLETED],
        [w.reputerCloseAt + 3_600_000, 0, EpochState.COMPLETED],
      ];
      for (const [at, applied, state] of rounds) {
        assert.equal(await h.round(at), applied, `round at +${at - T0} ms`);
        assert.equal(await h.state(e), state, `after the round at +${at - T0} ms`);
      }
      const log = await h.log(e);
      assert.deepEqual(shape(log), [[OW, API, null], [CW, SCHEDULER, w.workerCloseAt], [OR, SCHEDULER, w.reputerOpenAt], [CR, SCHEDULER, w.reputerCloseAt], [C, SCHEDULER, w.reputerCloseAt]]);
      assert.deepEqual(log.map((r) => [r.from, r.to]), [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
      assert.deepEqual((await h.lc.store.epochs.get(h.db.prisma, e))!.version, 5);
      assert.deepEqual(await h.lc.scheduler.dueInstants(), { start: null, steps: [null, null, null, null] });
    }));

  it("an overdue epoch passes through every step due, in order, in one round", () =>
    withScheduler({}, async (h) => {
      const topic = await h.lc.commands.createTopic(settings);
      const e = await h.lc.commands.startEpoch(topic.id);
      h.clock += 1;
      const f = await h.lc.commands.startEpoch(topic.id);
      assert.equal(await h.round(e.windows.reputerCloseAt + 5_000), 8);
      const w = e.windows;
      assert.deepEqual(shape(await h.log(e)), [[OW, API, null], [CW, SCHEDULER, w.workerCloseAt], [OR, SCHEDULER, w.reputerOpenAt], [CR, SCHEDULER, w.reputerCloseAt], [C, SCHEDULER, w.reputerCloseAt]]);
      // f's reputer closes 1 ms after e's: overdue by 4 999 ms it also completes.
      assert.deepEqual(shape(await h.log(f)).map((r) => r[0]), [OW, CW, OR, CR, C]);
      // Kinds in lifecycle order, one batch per kind: e and f close their worker windows together.
      assert.deepEqual(h.batches.map((b) => b.map((r) => [r.transition, r.nonce])), [
        [[CW, e.nonce], [CW, f.nonce]],
        [[OR, e.nonce], [OR, f.nonce]],
        [[CR, e.nonce], [CR, f.nonce]],
        [[C, e.nonce], [C, f.nonce]],
      ]);
    }));

  it("an operator override leaves the epoch waiting for the step after it, at that step's instant", () =>
    withScheduler({}, async (h) => {
      const topic = await h.lc.commands.createTopic(settings);
      const e = await h.lc.commands.startEpoch(topic.id);
      const w = e.windows;
      h.clock += 1_000;
      const closed = await h.lc.commands.applyEpochTransition(e, CW);
      assert.equal(closed.state, EpochState.WAITING_GROUND_TRUTH);
      assert.deepEqual(await h.lc.scheduler.dueInstants(), { start: null, steps: [null, w.reputerOpenAt, null, null] });
      assert.equal(await h.round(w.workerCloseAt), 0, "the overridden step is not applied again");
      assert.equal(await h.round(w.reputerOpenAt), 1);
      // Overriding close-reputer leaves complete due at the reputer close.
      await h.lc.commands.applyEpochTransition(e, CR);
      assert.equal(await h.round(w.reputerCloseAt - 1), 0);
      assert.equal(await h.round(w.reputerCloseAt), 1);
      assert.deepEqual(shape(await h.log(e)), [[OW, API, null], [CW, API, null], [OR, SCHEDULER, w.reputerOpenAt], [CR, API, null], [C, SCHEDULER, w.reputerCloseAt]]);
    }));

  it("cancelled epochs and inactive topics are never scheduled", () =>
    withScheduler({}, async (h) => {
      const topic = await h.lc.commands.createTopic({ ...settings, active: true });
      const extra = await h.lc.commands.startEpoch(topic.id);
      await h.lc.commands.cancelEpoch(extra);
      await h.lc.commands.deactivateTopic(topic.id);
      assert.deepEqual(await h.lc.scheduler.dueInstants(), { start: null, steps: [null, null, null, null] });
      assert.equal(await h.round(T0 + 3_600_000), 0);
      // Even when told something is due (a stale read), nothing is there to apply.
      assert.equal(await h.lc.scheduler.runDue(T0 + 3_600_000, { start: T0, steps: [T0, T0, T0, T0] }), 0);
      assert.equal((await h.lc.store.epochs.list(h.db.prisma, { topicId: topic.id }, { limit: 10 })).length, 2);
    }));

  it("periodic starts: on time on the grid; late → at now with full windows, re-anchored, skipped periods counted once", () =>
    withScheduler({}, async (h) => {
      const A = T0;
      const topic = await h.lc.commands.createTopic({ ...settings, active: true });
      const startsOf = async () => (await h.lc.store.epochs.list(h.db.prisma, { topicId: topic.id }, { limit: 20 })).map((e) => e.windows.workerOpenAt - A).reverse();
      const schedule = async () => {
        const t = (await h.lc.store.topics.get(h.db.prisma, topic.id))!;
        return [t.activatedAt!.getTime() - A, t.nextStartAt!.getTime() - A, t.missedStarts];
      };
      const newest = async () => (await h.lc.store.epochs.list(h.db.prisma, { topicId: topic.id }, { limit: 1 }))[0]!;

      const rounds: [number, number, number[], number[], [number, bigint][]][] = [
        // [round at (ms after A), transitions applied, epoch starts, [anchor, next start, missed], onMissedStarts so far]
        // The first epoch's worker close (+5 s) is due; the start at +10 s is not.
        [9_999, 1, [0], [0, 10_000, 0], []],
        // On time (within the 1 s tolerance): on the grid at +10 s.
        [10_500, 1, [0, 10_000], [0, 20_000, 0], []],
        [10_500, 0, [0, 10_000], [0, 20_000, 0], []],
        // Down until +45 s: +20 s and +30 s skipped, the +40 s period starts now and re-anchors; the
        // overdue steps of both epochs run in the same round (3 + 4).
        [45_000, 8, [0, 10_000, 45_000], [45_000, 55_000, 2], [[2, topic.id]]],
        [47_000, 0, [0, 10_000, 45_000], [45_000, 55_000, 2], [[2, topic.id]]],
        // On the new grid, on time: +55 s (and the +45 s epoch's worker close at +50 s).
        [55_900, 2, [0, 10_000, 45_000, 55_000], [45_000, 65_000, 2], [[2, topic.id]]],
        // Down again to +75.3 s: +65 s skipped, +75 s is within the tolerance and starts on the grid;
        // steps: the +45 s epoch opens, closes and completes its reputer window, the +55 s one closes its worker window and opens its reputer one.
        [75_300, 6, [0, 10_000, 45_000, 55_000, 75_000], [45_000, 85_000, 3], [[2, topic.id], [1, topic.id]]],
      ];
      for (const [at, applied, starts, sched, missed] of rounds) {
        assert.equal(await h.round(A + at), applied, `round at +${at} ms`);
        assert.deepEqual(await startsOf(), starts, `starts after the round at +${at} ms`);
        assert.deepEqual(await schedule(), sched, `schedule after the round at +${at} ms`);
        assert.deepEqual(h.missed, missed, `missed starts after the round at +${at} ms`);
      }
      // Every periodic epoch: opened by the scheduler at its start, with full windows from there.
      const epochs = (await h.lc.store.epochs.list(h.db.prisma, { topicId: topic.id }, { limit: 20 })).reverse().slice(1);
      for (const e of epochs) {
        assert.deepEqual(e.windows, computeWindows(settings, e.windows.workerOpenAt));
        assert.deepEqual(shape(await h.log(e)).slice(0, 1), [[OW, SCHEDULER, e.windows.workerOpenAt]]);
      }
      assert.deepEqual(epochs.map((e) => e.nonce), [2n, 3n, 4n, 5n].map((n) => makeNonce(1, n)));
      assert.equal((await newest()).state, EpochState.WORKER_SUBMISSION);

      await h.lc.commands.deactivateTopic(topic.id);
      assert.equal(await h.round(A + 3_600_000), 0, "an inactive topic starts nothing");
      assert.equal((await startsOf()).length, 5);
    }));

  it("batches: a small batch size applies every due epoch, a batch at a time, in due order", () =>
    withScheduler({ batchSize: 3 }, async (h) => {
      const topic = await h.lc.commands.createTopic(settings);
      // Ten epochs started in an order other than their due order (nonce i starts at offsets[i]·100 ms).
      const offsets = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4];
      const epochs = [];
      for (const o of offsets) {
        h.clock = T0 + o * 100;
        epochs.push(await h.lc.commands.startEpoch(topic.id));
      }
      const byDue = [...epochs].sort((a, b) => a.windows.workerCloseAt - b.windows.workerCloseAt);
      assert.equal(await h.round(T0 + 5_000 + 899), 9, "the one closing at +5.9 s waits");
      assert.deepEqual(h.batches.map((b) => b.length), [3, 3, 3]);
      assert.equal(await h.round(T0 + 5_900), 1);
      const records = (await Promise.all(epochs.map((e) => h.log(e)))).flat().filter((r) => r.transition === CW);
      records.sort((a, b) => (a.id < b.id ? -1 : 1));
      assert.deepEqual(records.map((r) => r.nonce), byDue.map((e) => e.nonce), "log ids in due order");
      assert.deepEqual(records.map((r) => r.dueAt!.getTime()), byDue.map((e) => e.windows.workerCloseAt));
      assert.deepEqual(records.map((r) => r.dueAt!.getTime() - T0), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((o) => 5_000 + o * 100));
    }));

  it("batches of periodic starts: every due topic starts, earliest first; a topic whose row is held waits for the next round", () =>
    withScheduler({ batchSize: 2 }, async (h) => {
      const topics = [];
      for (let i = 0; i < 5; i++) {
        h.clock = T0 + i * 10; // activated 10 ms apart: their starts fall due in this order
        topics.push(await h.lc.commands.createTopic({ ...settings, active: true }));
      }
      assert.deepEqual(await h.lc.scheduler.dueInstants(), { start: T0 + 10_000, steps: [T0 + 5_000, null, null, null] });
      const holder = new pg.Client({ connectionString: h.db.url });
      await holder.connect();
      try {
        await holder.query("BEGIN");
        await holder.query("SELECT 1 FROM topic WHERE id = $1 FOR UPDATE", [toStored(topics[1]!.id).toString()]);
        // At +10.5 s: four starts in batches of two (the held topic skipped), then the five activation epochs' worker closes.
        assert.equal(await h.round(T0 + 10_500), 4 + 5);
        // Starts and worker closes run side by side: their batches interleave, each kind in due order.
        const batchesOf = (t: number) => h.batches.filter((b) => b[0]!.transition === t).map((b) => b.map((r) => [r.transition, r.topicId]));
        assert.equal(h.batches.length, 5);
        assert.deepEqual(batchesOf(OW), [
          [[OW, topics[0]!.id], [OW, topics[2]!.id]],
          [[OW, topics[3]!.id], [OW, topics[4]!.id]],
        ]);
        assert.deepEqual(batchesOf(CW), [
          [[CW, topics[0]!.id], [CW, topics[1]!.id]],
          [[CW, topics[2]!.id], [CW, topics[3]!.id]],
          [[CW, topics[4]!.id]],
        ]);
        await holder.query("COMMIT");
      } finally {
        await holder.query("ROLLBACK").catch(() => {});
        await holder.end();
      }
      assert.equal(await h.round(T0 + 10_500), 1, "the released topic starts, on time (within the tolerance)");
      assert.equal(await h.round(T0 + 10_500), 0);
      for (const [i, t] of topics.entries()) {
        const row = (await h.lc.store.topics.get(h.db.prisma, t.id))!;
        assert.deepEqual([row.activatedAt!.getTime(), row.nextStartAt!.getTime(), row.missedStarts], [T0 + i * 10, T0 + i * 10 + 20_000, 0]);
        const [second] = await h.lc.store.epochs.list(h.db.prisma, { topicId: t.id }, { limit: 1 });
        assert.deepEqual(shape(await h.log(second!)), [[OW, SCHEDULER, T0 + i * 10 + 10_000]]);
      }
    }));

  it("a round told to stop finishes the batch in flight and leaves the rest due", () =>
    withScheduler({ batchSize: 3 }, async (h) => {
      const topic = await h.lc.commands.createTopic(settings);
      for (let i = 0; i < 5; i++) await h.lc.commands.startEpoch(topic.id);
      let asked = 0;
      const at = T0 + 5_000;
      assert.equal(await h.lc.scheduler.runDue(at, await h.lc.scheduler.dueInstants(), () => asked++ > 0), 3);
      assert.equal(await h.lc.scheduler.runDue(at, await h.lc.scheduler.dueInstants(), () => true), 0);
      assert.equal(await h.round(at), 2);
    }));

  it("a batch skips an epoch whose row an operator holds and applies the others; a later round applies it, once", () =>
    withScheduler({}, async (h) => {
      const topic = await h.lc.commands.createTopic(settings);
      const [a, b, c, d] = [await h.lc.commands.startEpoch(topic.id), await h.lc.commands.startEpoch(topic.id), await h.lc.commands.startEpoch(topic.id), await h.lc.commands.startEpoch(topic.id)];
      const holder = new pg.Client({ connectionString: h.db.url });
      await holder.connect();
      let override: Promise<unknown> | undefined;
      try {
        await holder.query("BEGIN");
        for (const k of [b, d]) {
          const { rowCount } = await holder.query("SELECT 1 FROM epoch WHERE topic_id = $1 AND nonce = $2 FOR UPDATE", [toStored(k.topicId).toString(), toStored(k.nonce).toString()]);
          assert.equal(rowCount, 1);
        }
        const at = a.windows.workerCloseAt;
        assert.equal(await h.round(at), 2, "the held rows are skipped, not waited for");
        assert.deepEqual([await h.state(a), await h.state(b), await h.state(c), await h.state(d)], [EpochState.WAITING_GROUND_TRUTH, EpochState.WORKER_SUBMISSION, EpochState.WAITING_GROUND_TRUTH, EpochState.WORKER_SUBMISSION]);
        // The operator closes b's worker window: the command waits for the row, then decides.
        override = h.lc.commands.applyEpochTransition(b, CW);
        await holder.query("COMMIT");
        await override;
        assert.equal(await h.round(at), 1, "d, no longer held");
        assert.equal(await h.round(at), 0);
      } finally {
        await holder.query("ROLLBACK").catch(() => {});
        await override?.catch(() => {});
        await holder.end();
      }
      assert.deepEqual(shape(await h.log(b)), [[OW, API, null], [CW, API, null]]);
      for (const e of [a, c, d]) assert.deepEqual(shape(await h.log(e)), [[OW, API, null], [CW, SCHEDULER, e.windows.workerCloseAt]]);
    }));
});
