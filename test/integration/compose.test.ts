import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { generateApiKey } from "../../src/auth/api-keys.js";

const file = new URL("../../docker-compose.yml", import.meta.url);
const text = readFileSync(file, "utf8");
const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
/** Variables the file cannot do without: `${NAME:?message}`. */
const required = [...new Set([...text.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!))].sort();

const dir = mkdtempSync(path.join(os.tmpdir(), "ew-compose-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function envFile(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** `docker-compose config -q` with only this env file (none of the caller's environment, no ./.env). */
function composeConfig(env: string) {
  return spawnSync("docker-compose", ["-f", file.pathname, "--env-file", env, "config", "-q"], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
}

function haveCompose(): boolean {
  if (spawnSync("sh", ["-c", "command -v docker-compose"]).status === 0) return true;
  assert.equal(process.env.CI, undefined, "CI must have docker-compose (see .ci/run)");
  return false;
}

describe("docker-compose.yml", () => {
  it("declares postgres, api and worker services with health checks, running the compiled image", () => {
    const doc = parse(text, { merge: true });
    assert.match(doc.services.postgres.image, /^postgres:/);
    for (const name of ["postgres", "api", "worker"]) {
      assert.ok(doc.services[name]?.healthcheck?.test, `${name} healthcheck`);
    }
    assert.deepEqual(doc.services.api.command, ["node", "dist/bin/api.js"]);
    assert.deepEqual(doc.services.worker.command, ["node", "dist/bin/worker.js"]);
    assert.equal(doc.services.api.environment.RUN_WORKER, "false", "the worker runs as its own, scalable service");
    assert.equal(doc.services.worker.depends_on.postgres.condition, "service_healthy");
    // The worker must be scalable: no fixed container name or host port.
    assert.equal(doc.services.worker.container_name, undefined);
    assert.equal(doc.services.worker.ports, undefined);
  });

  it("has no default password, does not publish PostgreSQL, and requires the secrets", () => {
    const doc = parse(text, { merge: true });
    assert.deepEqual(required, ["API_KEYS", "POSTGRES_PASSWORD"]);
    assert.equal(doc.services.postgres.ports, undefined, "PostgreSQL is reached on the compose network only");
    assert.match(doc.services.postgres.environment.POSTGRES_PASSWORD, /^\$\{POSTGRES_PASSWORD:\?/);
    for (const name of ["api", "worker"]) {
      const env = doc.services[name].environment;
      assert.equal(env.NODE_ENV, "production");
      assert.match(env.API_KEYS, /^\$\{API_KEYS:\?/);
      assert.match(env.DATABASE_URL, /^postgresql:\/\/epoch:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\//);
      assert.equal(env.AUTH_DISABLED, undefined, `${name} must not switch authentication off`);
    }
  });

  it("documents every required variable in .env.example, left empty so an unfilled copy is refused", () => {
    for (const name of required) assert.match(example, new RegExp(`^${name}=$`, "m"), `${name}= in .env.example`);
  });

  it("is accepted by `docker-compose config` with a filled env file (when the tool is installed; .ci/run installs it)", () => {
    if (!haveCompose()) return;
    const { entry } = generateApiKey("operator");
    const filled = envFile("filled.env", example.replace(/^POSTGRES_PASSWORD=$/m, "POSTGRES_PASSWORD=0123abcd").replace(/^API_KEYS=$/m, `API_KEYS=${entry}`));
    const res = composeConfig(filled);
    assert.equal(res.status, 0, res.stderr);
  });

  it("is refused by `docker-compose config` with a message naming each missing secret", () => {
    if (!haveCompose()) return;
    const unfilled = composeConfig(envFile("unfilled.env", example));
    assert.notEqual(unfilled.status, 0, "the example as shipped (empty values) is refused");
    assert.match(unfilled.stderr, /set POSTGRES_PASSWORD in \.env \(see \.env\.example\)/);

    const noKeys = composeConfig(envFile("no-keys.env", "POSTGRES_PASSWORD=0123abcd\n"));
    assert.notEqual(noKeys.status, 0);
    assert.match(noKeys.stderr, /set API_KEYS in \.env \(see \.env\.example\); npm run keygen prints a key and its entry/);
  });
});
