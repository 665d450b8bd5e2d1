import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  ALL_STATES,
  ALL_TRANSITIONS,
  EpochState as S,
  EpochTransition as T,
  IllegalTransitionError,
  TERMINAL_STATES,
  WindowKind,
  applyTransition,
  legalTransitions,
  nextState,
  windowChanges,
} from "../../src/domain/index.js";

describe("epoch FSM", () => {
  it("keeps the chain's numeric values", () => {
    assert.deepEqual(
      [S.INIT, S.WORKER_SUBMISSION, S.WAITING_GROUND_TRUTH, S.REPUTER_SUBMISSION, S.PENDING_COMPLETION, S.COMPLETED, S.CANCELLED],
      [0, 1, 2, 3, 4, 5, 6],
    );
  });

  it("has exactly the domain table's rows", () => {
    const table = new Set<string>();
    for (const s of ALL_STATES) for (const t of ALL_TRANSITIONS) {
      const to = nextState(s, t);
      if (to !== null) table.add(`${S[s]} -${T[t]}-> ${S[to]}`);
    }
    const expected = new Set([
      "INIT -OPEN_WORKER_WINDOW-> WORKER_SUBMISSION",
      "WORKER_SUBMISSION -CLOSE_WORKER_WINDOW-> WAITING_GROUND_TRUTH",
      "WAITING_GROUND_TRUTH -OPEN_REPUTER_WINDOW-> REPUTER_SUBMISSION",
      "REPUTER_SUBMISSION -CLOSE_REPUTER_WINDOW-> PENDING_COMPLETION",
      "PENDING_COMPLETION -COMPLETE-> COMPLETED",
      ...[S.INIT, S.WORKER_SUBMISSION, S.WAITING_GROUND_TRUTH, S.REPUTER_SUBMISSION, S.PENDING_COMPLETION].map((s) => `${S[s]} -CANCEL-> CANCELLED`),
    ]);
    assert.deepEqual(table, expected);
  });

  it("applies a legal transition without mutating its input and bumps the version", () => {
    const epoch = { state: S.INIT, version: 3, name: "x" };
    const r = applyTransition(epoch, T.OPEN_WORKER_WINDOW);
    assert.deepEqual(r.epoch, { state: S.WORKER_SUBMISSION, version: 4, name: "x" });
    assert.equal(epoch.state, S.INIT);
    assert.equal(r.from, S.INIT);
    assert.equal(r.to, S.WORKER_SUBMISSION);
  });

  it("rejects illegal transitions with a typed error", () => {
    assert.throws(() => applyTransition({ state: S.INIT, version: 0 }, T.COMPLETE), IllegalTransitionError);
    assert.throws(() => applyTransition({ state: S.WORKER_SUBMISSION, version: 0 }, T.OPEN_WORKER_WINDOW), IllegalTransitionError);
  });

  it("lets nothing leave a terminal state", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TERMINAL_STATES), fc.constantFrom(...ALL_TRANSITIONS), (s, t) => {
        assert.throws(() => applyTransition({ state: s, version: 0 }, t), IllegalTransitionError);
      }),
    );
  });

  it("ends every run of legal transitions from INIT in COMPLETED or CANCELLED", () => {
    // Each step picks one of the legal transitions by index; runs are long enough to always finish.
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 6, maxLength: 20 }), (choices) => {
        let epoch = { state: S.INIT, version: 0 };
        const seen: S[] = [epoch.state];
        for (const c of choices) {
          const legal = legalTransitions(epoch.state);
          if (legal.length === 0) break;
          epoch = applyTransition(epoch, legal[c % legal.length]!).epoch;
          seen.push(epoch.state);
        }
        assert.ok(TERMINAL_STATES.has(epoch.state), `ended in ${S[epoch.state]} after ${seen.map((s) => S[s]).join(" → ")}`);
        // States only move forward (CANCELLED is the largest value).
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!);
        assert.equal(epoch.version, seen.length - 1);
      }),
      { numRuns: 1000 },
    );
  });

  it("reports window openings and closings, including a close by cancel", () => {
    assert.deepEqual(windowChanges(S.INIT, S.WORKER_SUBMISSION), [{ kind: WindowKind.WORKER, opened: true }]);
    assert.deepEqual(windowChanges(S.WORKER_SUBMISSION, S.WAITING_GROUND_TRUTH), [{ kind: WindowKind.WORKER, opened: false }]);
    assert.deepEqual(windowChanges(S.REPUTER_SUBMISSION, S.CANCELLED), [{ kind: WindowKind.REPUTER, opened: false }]);
    assert.deepEqual(windowChanges(S.PENDING_COMPLETION, S.COMPLETED), []);
  });
});
