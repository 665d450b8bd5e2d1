/** Which errors count as "the database is unreachable" (SERVICE_UNAVAILABLE) and which do not. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isDatabaseUnavailable } from "../../src/platform/database-unavailable.js";

describe("isDatabaseUnavailable", () => {
  it("finds connection failures however deeply they are wrapped", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    assert.ok(isDatabaseUnavailable(refused));
    assert.ok(isDatabaseUnavailable(new Error("wrapped", { cause: refused })));
    assert.ok(isDatabaseUnavailable({ name: "DriverAdapterError", cause: { kind: "postgres", code: "57P01", message: "terminating connection due to administrator command" } }));
    assert.ok(isDatabaseUnavailable({ meta: { driverAdapterError: { cause: { kind: "DatabaseDoesNotExist" } } } }));
    assert.ok(isDatabaseUnavailable(new Error("Connection terminated unexpectedly")));
    assert.ok(isDatabaseUnavailable({ code: "08006" }));
  });

  it("leaves bugs and bad data alone", () => {
    assert.ok(!isDatabaseUnavailable(new TypeError("x is undefined")));
    assert.ok(!isDatabaseUnavailable({ cause: { kind: "postgres", code: "23505", message: "duplicate key value violates unique constraint" } }));
    assert.ok(!isDatabaseUnavailable({ code: "57014", message: "canceling statement due to statement timeout" }));
    const loop: Record<string, unknown> = {};
    loop.cause = loop;
    assert.ok(!isDatabaseUnavailable(loop));
  });
});
