import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";

const file = new URL("../../docker-compose.yml", import.meta.url);

describe("docker-compose.yml", () => {
  it("parses and declares a healthy postgres service", () => {
    const doc = parse(readFileSync(file, "utf8"));
    assert.ok(doc.services.postgres, "postgres service");
    assert.match(doc.services.postgres.image, /^postgres:/);
    assert.ok(doc.services.postgres.healthcheck?.test, "postgres healthcheck");
  });

  it("is accepted by `docker-compose config` (when the tool is installed; .ci/run installs it)", () => {
    const which = spawnSync("sh", ["-c", "command -v docker-compose"], { encoding: "utf8" });
    if (which.status !== 0) {
      assert.equal(process.env.CI, undefined, "CI must have docker-compose (see .ci/run)");
      return;
    }
    execFileSync("docker-compose", ["-f", file.pathname, "config", "-q"], { stdio: "pipe" });
  });
});
