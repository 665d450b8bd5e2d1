import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  InvalidTopicSettingsError,
  computeWindows,
  extraLag,
  periodicStartAt,
  periodicStartIndex,
  validateTopicSettings,
} from "../../src/domain/index.js";

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe("windows", () => {
  it("matches the domain doc's example (EL 100, GTL 150, WSW 10)", () => {
    const s = { epochLength: 100, groundTruthLag: 150, workerSubmissionWindow: 10 };
    assert.equal(extraLag(s), 50);
    assert.deepEqual(computeWindows(s, T0), {
      workerOpenAt: T0,
      workerCloseAt: T0 + 10_000,
      reputerOpenAt: T0 + 150_000,
      reputerCloseAt: T0 + 300_000,
    });
  });

  it("has no extra lag when GTL is a multiple of EL", () => {
    assert.equal(extraLag({ epochLength: 60, groundTruthLag: 120, workerSubmissionWindow: 5 }), 0);
  });

  it("keeps windows ordered and the reputer close aligned to a multiple of EL", () => {
    const settings = fc
      .record({ el: fc.integer({ min: 1, max: 10_000 }), wsw: fc.integer({ min: 1, max: 10_000 }), extra: fc.integer({ min: 0, max: 100_000 }) })
      .filter(({ el, wsw }) => wsw <= el)
      .map(({ el, wsw, extra }) => ({ epochLength: el, workerSubmissionWindow: wsw, groundTruthLag: el + extra }));
    fc.assert(
      fc.property(settings, (s) => {
        validateTopicSettings(s);
        const w = computeWindows(s, T0);
        assert.ok(w.workerOpenAt < w.workerCloseAt);
        assert.ok(w.workerCloseAt <= w.reputerOpenAt);
        assert.ok(w.reputerOpenAt < w.reputerCloseAt);
        assert.equal((w.reputerCloseAt - T0) % (s.epochLength * 1000), 0);
      }),
    );
  });

  it("aligns periodic starts to activation + n·EL", () => {
    const s = { epochLength: 30, groundTruthLag: 30, workerSubmissionWindow: 10 };
    assert.equal(periodicStartIndex(s, T0, T0 + 95_000), 3);
    assert.equal(periodicStartAt(s, T0, 3), T0 + 90_000);
    assert.equal(periodicStartIndex(s, T0, T0 - 5), 0);
  });
});

describe("topic settings", () => {
  it("accepts valid settings", () => {
    validateTopicSettings({ epochLength: 1, groundTruthLag: 1, workerSubmissionWindow: 1 });
    validateTopicSettings({ epochLength: 100, groundTruthLag: 100, workerSubmissionWindow: 100 });
    validateTopicSettings({ epochLength: 100, groundTruthLag: 150, workerSubmissionWindow: 10 });
  });

  it("names groundTruthLag when it is below epochLength, or epochLength when only that changed", () => {
    const s = { epochLength: 100, groundTruthLag: 50, workerSubmissionWindow: 10 };
    const field = (changed?: ("epochLength" | "groundTruthLag" | "workerSubmissionWindow")[]) => {
      try {
        validateTopicSettings(s, changed);
      } catch (e) {
        assert.ok(e instanceof InvalidTopicSettingsError);
        assert.equal(e.code, "BAD_USER_INPUT");
        assert.match(e.message, /groundTruthLag \(50 s\) must be at least epochLength \(100 s\)/);
        return e.field;
      }
      assert.fail("accepted GTL < EL");
    };
    assert.equal(field(), "groundTruthLag");
    assert.equal(field(["groundTruthLag"]), "groundTruthLag");
    assert.equal(field(["epochLength", "groundTruthLag"]), "groundTruthLag");
    assert.equal(field(["epochLength"]), "epochLength");
    assert.equal(field(["workerSubmissionWindow"]), "groundTruthLag");
  });

  it("accepts exactly the settings with 1 ≤ WSW ≤ EL ≤ GTL (whole seconds, in range)", () => {
    const sec = fc.integer({ min: -2, max: 400 });
    fc.assert(
      fc.property(sec, sec, sec, (el, gtl, wsw) => {
        const ok = 1 <= wsw && wsw <= el && el <= gtl;
        let accepted = true;
        try {
          validateTopicSettings({ epochLength: el, groundTruthLag: gtl, workerSubmissionWindow: wsw });
        } catch (e) {
          assert.ok(e instanceof InvalidTopicSettingsError);
          accepted = false;
        }
        assert.equal(accepted, ok, `EL ${el}, GTL ${gtl}, WSW ${wsw}`);
      }),
      { numRuns: 2000 },
    );
  });

  for (const [name, s] of [
    ["zero epoch length", { epochLength: 0, groundTruthLag: 1, workerSubmissionWindow: 1 }],
    ["WSW > EL", { epochLength: 5, groundTruthLag: 10, workerSubmissionWindow: 6 }],
    ["GTL < WSW", { epochLength: 10, groundTruthLag: 4, workerSubmissionWindow: 5 }],
    ["GTL < EL (the chain's rule)", { epochLength: 100, groundTruthLag: 50, workerSubmissionWindow: 10 }],
    ["GTL one second short of EL", { epochLength: 60, groundTruthLag: 59, workerSubmissionWindow: 60 }],
    ["zero WSW", { epochLength: 10, groundTruthLag: 4, workerSubmissionWindow: 0 }],
    ["fractional seconds", { epochLength: 10.5, groundTruthLag: 20, workerSubmissionWindow: 5 }],
    ["absurdly long", { epochLength: 1e9, groundTruthLag: 1e9, workerSubmissionWindow: 5 }],
  ] as const) {
    it(`rejects ${name}`, () => {
      assert.throws(() => validateTopicSettings(s), InvalidTopicSettingsError);
    });
  }
});
