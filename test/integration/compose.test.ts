import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";

const file = new URL("../../docker-compose.yml", import.meta.url);

describe("docker-compose.yml", () => {
  it("declares postgres, api and worker services with health checks", () => {
    const doc = parse(readFileSync(file, "utf8"), { merge: true });
    assert.match(doc.services.postgres.image, /^postgres:/);
    for (const name of ["postgres", "api", "worker"]) {
      assert.ok(doc.services[name]?.healthcheck?.test, `${name} healthcheck`);
    }
    assert.deepEqual(doc.services.api.command, ["npm", "start"]);
    assert.deepEqual(doc.services.worker.command, ["npm", "run", "worker"]);
    assert.equal(doc.services.api.environment.RUN_WORKER, "false", "the worker runs as its own, scalable service");
    assert.equal(doc.services.worker.depends_on.postgres.condition, "service_healthy");
    // The worker must be scalable: no fixed container name or host port.
    assert.equal(doc.services.worker.container_name, undefined);
    assert.equal(doc.services.worker.ports, undefined);
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
