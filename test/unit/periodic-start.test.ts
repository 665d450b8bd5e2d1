import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { computeWindows, planPeriodicStart, type TopicSettings } from "../../src/domain/index.js";

const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);
const S = 1000;
const TOL = 1000;

const settingsArb = fc
  .record({ el: fc.integer({ min: 1, max: 3600 }), wsw: fc.integer({ min: 1, max: 3600 }), extra: fc.integer({ min: 0, max: 7200 }) })
  .map(({ el, wsw, extra }): TopicSettings => ({ epochLength: el, workerSubmissionWindow: Math.min(wsw, el), groundTruthLag: el + extra }));

describe("periodic start: no epoch starts in the past", () => {
  it("the issue's example: EL 60 s, WSW 10 s, the start due at 600 s runs at 645 s → worker window [645, 655], next at 705", () => {
    const s = { epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 10 };
    const plan = planPeriodicStart(s, T0, 10, T0 + 645 * S, TOL);
    assert.deepEqual(plan, { startAt: T0 + 645 * S, index: 10, gridAt: T0 + 600 * S, late: true, missed: 0, next: { anchor: T0 + 645 * S, index: 1, at: T0 + 705 * S } });
    const w = computeWindows(s, plan.startAt);
    assert.deepEqual([w.workerOpenAt, w.workerCloseAt], [T0 + 645 * S, T0 + 655 * S]);
  });

  it("on time (before the instant, or late by at most the tolerance): on the grid, same anchor", () => {
    const s = { epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 10 };
    for (const now of [T0 + 599_970, T0 + 600_000, T0 + 600_999, T0 + 601_000]) {
      assert.deepEqual(planPeriodicStart(s, T0, 10, now, TOL), {
        startAt: T0 + 600 * S, index: 10, gridAt: T0 + 600 * S, late: false, missed: 0, next: { anchor: T0, index: 11, at: T0 + 660 * S },
      }, `now = +${now - T0} ms`);
    }
    assert.equal(planPeriodicStart(s, T0, 10, T0 + 601_001, TOL).late, true, "1 ms over the tolerance");
    assert.equal(planPeriodicStart(s, T0, 10, T0 + 600_001, 0).late, true, "tolerance 0: any lateness re-anchors");
  });

  it("skips the periods that passed, and starts on a later grid instant when that one is on time", () => {
    const s = { epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 10 };
    // Due at 600; at 700 the instants 600 and 660 have passed: one served late at 700, one skipped.
    assert.deepEqual(planPeriodicStart(s, T0, 10, T0 + 700 * S, TOL), {
      startAt: T0 + 700 * S, index: 11, gridAt: T0 + 660 * S, late: true, missed: 1, next: { anchor: T0 + 700 * S, index: 1, at: T0 + 760 * S },
    });
    // At 780.5 the 780 instant is within the tolerance: 600, 660 and 720 skipped, 780 on the grid.
    assert.deepEqual(planPeriodicStart(s, T0, 10, T0 + 780_500, TOL), {
      startAt: T0 + 780 * S, index: 13, gridAt: T0 + 780 * S, late: false, missed: 3, next: { anchor: T0, index: 14, at: T0 + 840 * S },
    });
  });

  it("refuses a negative tolerance", () => {
    assert.throws(() => planPeriodicStart({ epochLength: 1, groundTruthLag: 1, workerSubmissionWindow: 1 }, T0, 1, T0, -1), RangeError);
  });

  it("whenever it runs: never more than the tolerance in the past, a full worker window, next one epochLength later, skipped periods counted", () => {
    fc.assert(
      fc.property(settingsArb, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -5_000, max: 50_000_000 }), fc.integer({ min: 0, max: 5000 }), (s, index, delay, tol) => {
        const el = s.epochLength * S;
        const due = T0 + index * el;
        const now = due + delay;
        const plan = planPeriodicStart(s, T0, index, now, tol);
        assert.ok(plan.startAt >= Math.min(due, now - tol), "never more than the tolerance in the past");
        assert.ok(plan.startAt >= due, "never before the job's own instant");
        const w = computeWindows(s, plan.startAt);
        assert.equal(w.workerCloseAt - w.workerOpenAt, s.workerSubmissionWindow * S, "a full worker window");
        assert.ok(w.workerCloseAt >= now - tol + s.workerSubmissionWindow * S, "the worker window lasts WSW from (nearly) now");
        assert.equal(plan.next.at, plan.startAt + el, "the next start one epochLength after this one");
        assert.equal(plan.next.at, plan.next.anchor + plan.next.index * el);
        assert.ok(plan.next.at > now - tol, "the next start is not already overdue");
        // Grid instants of the job's grid from its own one up to now: this start serves one, the rest are skipped.
        const passed = now < due ? 0 : Math.floor((now - due) / el) + 1;
        assert.equal(plan.missed, Math.max(0, passed - 1));
        assert.equal(plan.gridAt, T0 + plan.index * el);
        if (plan.late) {
          assert.equal(plan.startAt, now);
          assert.ok(now - plan.gridAt > tol);
        } else {
          assert.equal(plan.startAt, plan.gridAt);
          assert.equal(plan.next.anchor, T0, "on time: the grid stays");
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("a simulated clock: on-time runs stay on the grid (no drift); late runs never burst and never start in the past", () => {
    const run = fc.record({ late: fc.boolean(), jitter: fc.integer({ min: -30, max: 1000 }), downtime: fc.integer({ min: 1001, max: 400_000 }) });
    fc.assert(
      fc.property(settingsArb, fc.array(run, { minLength: 1, maxLength: 40 }), (s, runs) => {
        const el = s.epochLength * S;
        let job = { anchor: T0, index: 1, at: T0 + el };
        const starts: number[] = [T0];
        let missed = 0;
        for (const r of runs) {
          // The worker runs the job at its instant (give or take the tolerance), or after downtime.
          // On time means within the tolerance and before the next period's instant (1 s epochs: TOL = el).
          const now = job.at + (r.late ? r.downtime : Math.min(r.jitter, TOL, el - 1));
          const plan = planPeriodicStart(s, job.anchor, job.index, now, TOL);
          assert.ok(plan.startAt >= now - TOL && plan.startAt >= job.at);
          if (!r.late) assert.equal(plan.startAt, job.at, "on time: exactly on the grid");
          assert.ok(plan.startAt - starts.at(-1)! >= el, "no two starts closer than epochLength: no burst");
          starts.push(plan.startAt);
          missed += plan.missed;
          job = plan.next;
        }
        if (runs.every((r) => !r.late)) {
          assert.deepEqual(starts, starts.map((_, k) => T0 + k * el), "no drift");
          assert.equal(missed, 0);
        }
        // Every elapsed period is either started or counted as missed.
        const elapsedOnOneGrid = starts.length - 1 + missed;
        assert.ok(elapsedOnOneGrid >= runs.length);
      }),
      { numRuns: 500 },
    );
  });
});
