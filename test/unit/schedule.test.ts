/** The scheduler's plans (src/domain/schedule.ts): which steps are due for an epoch, and periodic starts. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  ALL_STATES,
  isTerminal,
  EpochState as S,
  EpochTransition as T,
  SCHEDULED_STEPS,
  applyTransition,
  computeWindows,
  legalTransitions,
  nextDueAt,
  nextState,
  planEpoch,
  planStart,
  waitingStep,
  windowChanges,
  type EpochWindows,
  type ScheduledTopic,
  type TopicSettings,
} from "../../src/domain/index.js";

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const SEC = 1000;
const TOL = 1000;

// EL 10, GTL 15 (extra lag 5), WSW 5: worker closes at +5 s, reputer opens at +15 s, closes at +30 s.
const settings: TopicSettings = { epochLength: 10, groundTruthLag: 15, workerSubmissionWindow: 5 };
const w = computeWindows(settings, T0);
const WC = T0 + 5 * SEC;
const RO = T0 + 15 * SEC;
const RC = T0 + 30 * SEC;

const settingsArb = fc
  .record({ el: fc.integer({ min: 1, max: 3600 }), wsw: fc.integer({ min: 1, max: 3600 }), extra: fc.integer({ min: 0, max: 7200 }) })
  .map(({ el, wsw, extra }): TopicSettings => ({ epochLength: el, workerSubmissionWindow: Math.min(wsw, el), groundTruthLag: el + extra }));

/** An epoch in any state with the windows of a random topic, and an instant around them. */
const epochAtArb = fc
  .record({ s: settingsArb, state: fc.constantFrom(...ALL_STATES), offsets: fc.array(fc.integer({ min: -5_000, max: 40_000_000 }), { minLength: 2, maxLength: 2 }) })
  .map(({ s, state, offsets }) => ({ epoch: { state, version: 3, windows: computeWindows(s, T0) }, t1: T0 + Math.min(...offsets), t2: T0 + Math.max(...offsets) }));

describe("scheduled steps", () => {
  it("are the transition table's forward rows after OPEN_WORKER_WINDOW, in lifecycle order, each with its window events", () => {
    assert.deepEqual(
      SCHEDULED_STEPS.map((s) => [s.transition, s.from, s.to, s.dueAt]),
      [
        [T.CLOSE_WORKER_WINDOW, S.WORKER_SUBMISSION, S.WAITING_GROUND_TRUTH, "workerCloseAt"],
        [T.OPEN_REPUTER_WINDOW, S.WAITING_GROUND_TRUTH, S.REPUTER_SUBMISSION, "reputerOpenAt"],
        [T.CLOSE_REPUTER_WINDOW, S.REPUTER_SUBMISSION, S.PENDING_COMPLETION, "reputerCloseAt"],
        [T.COMPLETE, S.PENDING_COMPLETION, S.COMPLETED, "reputerCloseAt"],
      ],
    );
    for (const step of SCHEDULED_STEPS) {
      assert.equal(nextState(step.from, step.transition), step.to, T[step.transition]);
      assert.deepEqual(step.events, windowChanges(step.from, step.to), T[step.transition]);
    }
    // The chain: INIT's start leads into the first step; each step's `to` is the next one's `from`.
    assert.equal(nextState(S.INIT, T.OPEN_WORKER_WINDOW), SCHEDULED_STEPS[0]!.from);
    for (let i = 1; i < SCHEDULED_STEPS.length; i++) assert.equal(SCHEDULED_STEPS[i]!.from, SCHEDULED_STEPS[i - 1]!.to);
    assert.equal(SCHEDULED_STEPS.at(-1)!.to, S.COMPLETED);
    // Every forward transition legal from a live state, except the start, is scheduled exactly once.
    const forward = ALL_STATES.filter((s) => !isTerminal(s)).flatMap((s) => legalTransitions(s).filter((t) => t !== T.CANCEL && t !== T.OPEN_WORKER_WINDOW));
    assert.deepEqual(SCHEDULED_STEPS.map((s) => s.transition), forward);
  });

  it("fall due in order for any valid settings; close-reputer and complete share their instant", () => {
    fc.assert(
      fc.property(settingsArb, fc.integer({ min: 0, max: 2 ** 40 }), (s, start) => {
        const windows = computeWindows(s, start);
        const due = SCHEDULED_STEPS.map((step) => windows[step.dueAt]);
        for (let i = 1; i < due.length; i++) assert.ok(due[i - 1]! <= due[i]!, `${due}`);
        assert.equal(due[2], due[3]);
        assert.ok(due[0]! > start, "nothing is due at the start itself");
      }),
    );
  });

  it("waitingStep and nextDueAt for every state", () => {
    const expected: [S, T | undefined, number | null][] = [
      [S.INIT, undefined, null],
      [S.WORKER_SUBMISSION, T.CLOSE_WORKER_WINDOW, WC],
      [S.WAITING_GROUND_TRUTH, T.OPEN_REPUTER_WINDOW, RO],
      [S.REPUTER_SUBMISSION, T.CLOSE_REPUTER_WINDOW, RC],
      [S.PENDING_COMPLETION, T.COMPLETE, RC],
      [S.COMPLETED, undefined, null],
      [S.CANCELLED, undefined, null],
    ];
    assert.deepEqual(expected.map(([s]) => s), [...ALL_STATES]);
    for (const [state, transition, at] of expected) {
      assert.equal(waitingStep(state)?.transition, transition, S[state]);
      assert.equal(nextDueAt({ state, windows: w }), at, S[state]);
    }
  });
});

describe("planEpoch", () => {
  assert.deepEqual(w, { workerOpenAt: T0, workerCloseAt: WC, reputerOpenAt: RO, reputerCloseAt: RC });
  const CW = T.CLOSE_WORKER_WINDOW, OR = T.OPEN_REPUTER_WINDOW, CR = T.CLOSE_REPUTER_WINDOW, C = T.COMPLETE;
  const instants: [string, number][] = [
    ["at the start", T0],
    ["1 ms before close-worker", WC - 1],
    ["at close-worker", WC],
    ["1 ms before open-reputer", RO - 1],
    ["at open-reputer", RO],
    ["1 ms before close-reputer", RC - 1],
    ["at close-reputer", RC],
    ["an hour after close-reputer", RC + 3_600_000],
  ];
  // Per state, the transitions due at each of `instants`.
  const table: [S, T[][]][] = [
    [S.INIT, [[], [], [], [], [], [], [], []]],
    [S.WORKER_SUBMISSION, [[], [], [CW], [CW], [CW, OR], [CW, OR], [CW, OR, CR, C], [CW, OR, CR, C]]],
    [S.WAITING_GROUND_TRUTH, [[], [], [], [], [OR], [OR], [OR, CR, C], [OR, CR, C]]],
    [S.REPUTER_SUBMISSION, [[], [], [], [], [], [], [CR, C], [CR, C]]],
    [S.PENDING_COMPLETION, [[], [], [], [], [], [], [C], [C]]],
    [S.COMPLETED, [[], [], [], [], [], [], [], []]],
    [S.CANCELLED, [[], [], [], [], [], [], [], []]],
  ];
  const stepOf = (t: T) => SCHEDULED_STEPS.find((s) => s.transition === t)!;
  const dueOf: Record<number, number> = { [CW]: WC, [OR]: RO, [CR]: RC, [C]: RC };
  // Where an epoch waits after the last applied transition (or in its own state when none).
  const waitsUntil: Partial<Record<S, number | null>> = {
    [S.INIT]: null, [S.WORKER_SUBMISSION]: WC, [S.WAITING_GROUND_TRUTH]: RO, [S.REPUTER_SUBMISSION]: RC,
    [S.PENDING_COMPLETION]: RC, [S.COMPLETED]: null, [S.CANCELLED]: null,
  };

  it("covers every state", () => assert.deepEqual(table.map(([s]) => s), [...ALL_STATES]));

  for (const [state, row] of table) {
    it(`${S[state]}: the steps due before, at and after each instant, in order, with their dueAt`, () => {
      row.forEach((transitions, i) => {
        const [label, now] = instants[i]!;
        const plan = planEpoch({ state, windows: w }, now);
        assert.deepEqual(
          plan.apply,
          transitions.map((t) => ({ transition: t, from: stepOf(t).from, to: stepOf(t).to, dueAt: dueOf[t], events: windowChanges(stepOf(t).from, stepOf(t).to) })),
          `${S[state]} ${label}`,
        );
        const last = transitions.length ? stepOf(transitions.at(-1)!).to : state;
        assert.equal(plan.nextDueAt, waitsUntil[last], `${S[state]} ${label}: next due`);
      });
    });
  }

  it("the issue's example: WORKER_SUBMISSION past reputerCloseAt applies all four steps in order", () => {
    const plan = planEpoch({ state: S.WORKER_SUBMISSION, windows: w }, RC + 1);
    assert.deepEqual(plan.apply.map((p) => [p.transition, p.from, p.to, p.dueAt]), [
      [CW, S.WORKER_SUBMISSION, S.WAITING_GROUND_TRUTH, WC],
      [OR, S.WAITING_GROUND_TRUTH, S.REPUTER_SUBMISSION, RO],
      [CR, S.REPUTER_SUBMISSION, S.PENDING_COMPLETION, RC],
      [C, S.PENDING_COMPLETION, S.COMPLETED, RC],
    ]);
    assert.equal(plan.nextDueAt, null);
  });

  it("WSW = EL = GTL: the worker close and the reputer open share an instant, both apply there", () => {
    const s = { epochLength: 10, groundTruthLag: 10, workerSubmissionWindow: 10 };
    const ws = computeWindows(s, T0);
    assert.equal(ws.workerCloseAt, ws.reputerOpenAt);
    assert.deepEqual(planEpoch({ state: S.WORKER_SUBMISSION, windows: ws }, ws.workerCloseAt - 1).apply, []);
    const plan = planEpoch({ state: S.WORKER_SUBMISSION, windows: ws }, ws.workerCloseAt);
    assert.deepEqual(plan.apply.map((p) => [p.transition, p.dueAt]), [[CW, T0 + 10 * SEC], [OR, T0 + 10 * SEC]]);
    assert.equal(plan.nextDueAt, T0 + 20 * SEC);
  });

  it("applying a plan with the FSM always succeeds and leaves the epoch waiting past `now` (or finished)", () => {
    fc.assert(
      fc.property(epochAtArb, ({ epoch, t2: now }) => {
        const plan = planEpoch(epoch, now);
        let cur: { state: S; version: number } = epoch;
        let lastDue = -Infinity;
        for (const p of plan.apply) {
          assert.equal(p.from, cur.state);
          const r = applyTransition(cur, p.transition);
          assert.equal(r.to, p.to);
          assert.deepEqual(p.events, windowChanges(r.from, r.to));
          assert.ok(p.dueAt <= now && p.dueAt >= lastDue, "due by now, in due order");
          lastDue = p.dueAt;
          cur = r.epoch;
        }
        assert.equal(cur.version, epoch.version + plan.apply.length);
        assert.equal(plan.nextDueAt, nextDueAt({ state: cur.state, windows: epoch.windows }));
        assert.ok(plan.nextDueAt === null || plan.nextDueAt > now, "nothing due is left behind");
        if (plan.nextDueAt === null) assert.ok(cur.state === S.INIT || cur.state === S.COMPLETED || cur.state === S.CANCELLED);
      }),
      { numRuns: 2000 },
    );
  });

  it("batches compose: planning at t1 then at t2 on the result is planning at t2", () => {
    fc.assert(
      fc.property(epochAtArb, ({ epoch, t1, t2 }) => {
        const first = planEpoch(epoch, t1);
        const after = { state: first.apply.at(-1)?.to ?? epoch.state, windows: epoch.windows };
        const second = planEpoch(after, t2);
        const direct = planEpoch(epoch, t2);
        assert.deepEqual([...first.apply, ...second.apply], direct.apply);
        assert.equal(second.nextDueAt, direct.nextDueAt);
        // And planning again at the same instant finds nothing more: a step applies once.
        assert.deepEqual(planEpoch({ state: direct.apply.at(-1)?.to ?? epoch.state, windows: epoch.windows }, t2).apply, []);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("planStart", () => {
  const EL = 10 * SEC;
  const A = T0;
  const topic = (anchor: number, nextStartAt: number): ScheduledTopic => ({ ...settings, anchor, nextStartAt });

  it("on time (at its instant, or late by at most the tolerance): on the grid, same anchor, next one EL later", () => {
    for (const now of [A + EL, A + EL + 1, A + EL + TOL]) {
      assert.deepEqual(planStart(topic(A, A + EL), now, TOL), {
        startAt: A + EL, windows: computeWindows(settings, A + EL), dueAt: A + EL, missed: 0, late: false, anchor: A, nextStartAt: A + 2 * EL,
      }, `now = +${now - A} ms`);
    }
  });

  it("late by more than the tolerance: starts at now with full windows and re-anchors there", () => {
    const now = A + EL + TOL + 1;
    assert.deepEqual(planStart(topic(A, A + EL), now, TOL), {
      startAt: now, windows: computeWindows(settings, now), dueAt: now, missed: 0, late: true, anchor: now, nextStartAt: now + EL,
    });
    assert.equal(planStart(topic(A, A + EL), A + EL + 1, 0).late, true, "tolerance 0: any lateness re-anchors");
    assert.equal(planStart(topic(A, A + EL), A + EL, 0).late, false);
  });

  it("after downtime: skipped periods are counted; a later instant within the tolerance starts on the grid", () => {
    // Due at 10 s; at 45 s the instants 10, 20 and 30 s passed unserved (three skipped), the 40 s period starts now.
    assert.deepEqual(planStart(topic(A, A + EL), A + 45 * SEC, TOL), {
      startAt: A + 45 * SEC, windows: computeWindows(settings, A + 45 * SEC), dueAt: A + 45 * SEC, missed: 3, late: true, anchor: A + 45 * SEC, nextStartAt: A + 55 * SEC,
    });
    // At 40.5 s the 40 s instant is within the tolerance: 10, 20 and 30 s skipped, 40 s on the grid.
    assert.deepEqual(planStart(topic(A, A + EL), A + 40_500, TOL), {
      startAt: A + 40 * SEC, windows: computeWindows(settings, A + 40 * SEC), dueAt: A + 40 * SEC, missed: 3, late: false, anchor: A, nextStartAt: A + 50 * SEC,
    });
  });

  it("a re-anchored schedule (anchor = next start, index 0) continues on its own grid", () => {
    const B = A + 45_123;
    assert.deepEqual(planStart(topic(B, B), B + 200, TOL), {
      startAt: B, windows: computeWindows(settings, B), dueAt: B, missed: 0, late: false, anchor: B, nextStartAt: B + EL,
    });
    assert.deepEqual(planStart(topic(B, B + 2 * EL), B + 2 * EL, TOL).nextStartAt, B + 3 * EL);
  });

  it("for any settings and lateness: never starts in the past beyond the tolerance, counts skipped periods, next start one EL later", () => {
    fc.assert(
      fc.property(settingsArb, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 5000 }), (s, index, lateMs, tol) => {
        const el = s.epochLength * SEC;
        const t = { ...s, anchor: A, nextStartAt: A + index * el };
        const now = t.nextStartAt + lateMs;
        const p = planStart(t, now, tol);
        assert.ok(p.startAt <= now && p.startAt >= now - tol, "starts now, or on a grid instant within the tolerance");
        assert.ok(p.startAt >= t.nextStartAt);
        assert.equal(p.dueAt, p.startAt);
        assert.deepEqual(p.windows, computeWindows(s, p.startAt));
        assert.equal(p.nextStartAt, p.startAt + el);
        assert.ok(p.nextStartAt > now, "the next start is in the future: no burst");
        assert.equal(p.missed, Math.floor(lateMs / el));
        if (p.late) {
          assert.deepEqual([p.startAt, p.anchor], [now, now]);
        } else {
          assert.equal(p.anchor, A);
          assert.equal((p.startAt - A) % el, 0, "on the grid");
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("a run of starts at random (due) instants: starts at least EL apart, missed periods add up", () => {
    fc.assert(
      fc.property(settingsArb, fc.array(fc.integer({ min: 0, max: 3 * 3600 * SEC }), { minLength: 1, maxLength: 20 }), (s, delays) => {
        const el = s.epochLength * SEC;
        let t: ScheduledTopic = { ...s, anchor: A, nextStartAt: A + el };
        let prev = A;
        let missed = 0;
        for (const d of delays) {
          const now = t.nextStartAt + d;
          const p = planStart(t, now, TOL);
          assert.ok(p.startAt - prev >= el, `start ${p.startAt - A} after ${prev - A}`);
          missed += p.missed;
          prev = p.startAt;
          t = { ...s, anchor: p.anchor, nextStartAt: p.nextStartAt };
        }
        assert.ok(missed >= 0);
        assert.equal(planStart(t, t.nextStartAt, TOL).startAt, t.nextStartAt, "on time again after catching up");
      }),
      { numRuns: 1000 },
    );
  });
});
