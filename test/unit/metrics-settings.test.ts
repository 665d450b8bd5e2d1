import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/config.js";
import { metricsTokenCheck } from "../../src/observability/metrics-token.js";

describe("metrics settings", () => {
  it("METRICS_DB_REFRESH_MS defaults to 5 s; METRICS_TOKEN is optional, empty means unset, short is refused", () => {
    const c = loadConfig({});
    assert.equal(c.METRICS_DB_REFRESH_MS, 5000);
    assert.equal(c.METRICS_TOKEN, undefined);
    assert.equal(loadConfig({ METRICS_TOKEN: "" }).METRICS_TOKEN, undefined);
    assert.equal(loadConfig({ METRICS_TOKEN: "x".repeat(16) }).METRICS_TOKEN, "x".repeat(16));
    assert.throws(() => loadConfig({ METRICS_TOKEN: "short" }), (e: unknown) => e instanceof ConfigError && /METRICS_TOKEN/.test(e.message));
    assert.throws(() => loadConfig({ METRICS_DB_REFRESH_MS: "-1" }), /METRICS_DB_REFRESH_MS/);
  });

  it("the bearer check takes exactly the token", () => {
    const open = metricsTokenCheck(undefined);
    assert.equal(open(undefined), true);
    const check = metricsTokenCheck("t0k3n-0123456789abcdef");
    assert.equal(check("Bearer t0k3n-0123456789abcdef"), true);
    assert.equal(check("bearer t0k3n-0123456789abcdef"), true, "the scheme is case-insensitive (RFC 7235)");
    for (const bad of [undefined, "", "Bearer", "Bearer ", "Basic t0k3n-0123456789abcdef", "Bearer t0k3n-0123456789abcde", "Bearer t0k3n-0123456789abcdef0", "Bearer t0k3n-0123456789abcdef extra"]) {
      assert.equal(check(bad), false, String(bad));
    }
  });
});
