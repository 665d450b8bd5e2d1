/**
 * `npm start` under a supervisor that holds one PID and signals only it (no process group): SIGTERM
 * or SIGINT to npm's PID (or to the API's), served or still starting, stops the API and its embedded
 * PostgreSQL cleanly, with no orphan left answering, and the next start finds a clean data directory.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../src/db/embedded-postgres.js";
import { waitFor } from "../helpers/lifecycle.js";
import { alive } from "../../src/db/embedded-postgres.js";

const root = path.resolve(import.meta.dirname, "../..");


const firstLineNumber = (file: string) => Number.parseInt(readFileSync(file, "utf8").split("\n")[0]!, 10);

describe("npm start stops cleanly whichever PID is signalled", { timeout: 240_000 }, () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ew-npm-start-"));
  const leftovers = new Set<number>();
  after(() => {
    // Only if an assertion failed midway: never leave a server behind.
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, "SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rounds: { name: string; signal: NodeJS.Signals; to: "npm" | "api" | "both"; early?: boolean }[] = [
    // Before it serves: the embedded server is up, the first migrations are still to come.
    { name: "SIGTERM to npm during start-up", signal: "SIGTERM", to: "npm", early: true },
    { name: "SIGTERM to npm", signal: "SIGTERM", to: "npm" },
    { name: "SIGINT to npm", signal: "SIGINT", to: "npm" },
    // What a terminal's Ctrl-C amounts to: npm forwards its SIGINT, so the API gets it twice.
    { name: "SIGINT to npm and to the API at once", signal: "SIGINT", to: "both" },
    { name: "SIGTERM to the API", signal: "SIGTERM", to: "api" },
  ];
  for (const round of rounds) {
    it(round.name, async () => {
      // The previous round left the directory clean: no server's pid file, no owner.
      assert.equal(existsSync(path.join(dataDir, "postmaster.pid")), false, "postmaster.pid left behind");
      assert.equal(existsSync(path.join(dataDir, "epoch-windows.owner")), false, "owner file left behind");
      const [port, pgPort] = [await freePort(), await freePort()];
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: "127.0.0.1", EMBEDDED_PG_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), RUN_WORKER: "true", LOG_LEVEL: "info", NODE_ENV: "development" };
      for (const name of ["DATABASE_URL", "API_KEYS", "JWT_SECRET", "JWT_PUBLIC_KEY", "AUTH_DISABLED", "npm_lifecycle_event"]) delete env[name];
      const npm = spawn("npm", ["start"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
      leftovers.add(npm.pid!);
      let log = "";
      npm.stdout.on("data", (c: Buffer) => (log += c.toString()));
      npm.stderr.on("data", (c: Buffer) => (log += c.toString()));
      const npmExit = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));

      const url = `http://127.0.0.1:${port}`;
      const owner = path.join(dataDir, "epoch-windows.owner");
      await waitFor(round.early ? "the embedded server started" : "the API ready", async () => {
        if (npm.exitCode !== null) throw new Error(`npm start exited (${npm.exitCode}) before it was ready:\n${log}`);
        return round.early ? existsSync(owner) && readFileSync(owner, "utf8").endsWith("\n") : fetch(`${url}/readyz`).then((r) => r.ok, () => false);
      }, 90_000, round.early ? 10 : 200);
      const api = firstLineNumber(owner);
      const postmaster = firstLineNumber(path.join(dataDir, "postmaster.pid"));
      leftovers.add(api).add(postmaster);
      assert.notEqual(api, npm.pid);
      assert.doesNotMatch(log, /left running by a crashed process/, "the start found a clean directory");

      if (round.to !== "api") npm.kill(round.signal);
      if (round.to !== "npm") process.kill(api, round.signal);

      assert.equal(await npmExit, 0, log);
      await waitFor("the API and PostgreSQL gone", async () => !alive(api) && !alive(postmaster), 30_000, 100);
      assert.equal(await fetch(`${url}/readyz`).then(() => "answered", () => "refused"), "refused");
      assert.match(log, new RegExp(`shutting down: draining requests[^]*"${round.signal}"`), "a graceful shutdown, not a kill");
      if (round.early) assert.match(log, /stop requested during start-up/);
      assert.equal(existsSync(path.join(dataDir, "postmaster.pid")), false, "PostgreSQL shut down cleanly");
    });
  }
});
