/** A lint-level check of the image: Node 24, compiled code, a non-root user, a proper PID 1. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";

const root = new URL("../../", import.meta.url);
const lines = readFileSync(new URL("Dockerfile", root), "utf8")
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const instruction = (l: string) => l.split(/\s+/)[0]!.toUpperCase();
const finalStage = lines.slice(lines.findLastIndex((l) => instruction(l) === "FROM"));
const lastOf = (name: string) => finalStage.findLast((l) => instruction(l) === name);
/** ["a", "b"] (exec form) → its words; anything else (shell form) → null. */
const execForm = (l: string | undefined) => (l ? (JSON.parse(l.slice(l.indexOf("["))) as string[]) : null);

describe("Dockerfile", () => {
  it("builds every stage on Node 24", () => {
    const froms = lines.filter((l) => instruction(l) === "FROM");
    assert.ok(froms.length >= 2, "multi-stage: the build's dev dependencies stay out of the image");
    for (const f of froms) assert.match(f, /^FROM node:24-bookworm-slim\b/);
  });

  it("runs the compiled API with node under tini, in exec form, no npm or tsx", () => {
    assert.deepEqual(execForm(lastOf("ENTRYPOINT")), ["/usr/bin/tini", "--"]);
    assert.deepEqual(execForm(lastOf("CMD")), ["node", "dist/bin/api.js"]);
    for (const l of finalStage.filter((l) => ["CMD", "ENTRYPOINT"].includes(instruction(l)))) {
      assert.doesNotMatch(l, /\bnpm\b|\bnpx\b|\btsx\b/, l);
    }
    assert.ok(existsSync(new URL("src/bin/api.ts", root)) && existsSync(new URL("src/bin/worker.ts", root)));
  });

  it("runs as a non-root user", () => {
    const user = lastOf("USER");
    assert.ok(user, "a USER instruction in the final stage");
    assert.doesNotMatch(user!, /^USER\s+(root|0)(:|\s|$)/i);
    const at = finalStage.indexOf(user!);
    assert.ok(finalStage.slice(at + 1).every((l) => instruction(l) !== "RUN"), "USER comes after the last RUN, so nothing later switches back");
  });

  it("keeps secrets and local state out of the build context", () => {
    const ignore = readFileSync(new URL(".dockerignore", root), "utf8").split("\n").map((l) => l.trim());
    for (const entry of [".env", "node_modules", "data", "dist"]) assert.ok(ignore.includes(entry), entry);
  });
});
