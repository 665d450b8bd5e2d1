/**
 * The layer rule (docs/architecture.md, "Layers"), checked on every import of every src/**\/*.ts
 * file (static, re-exports, `import type` and dynamic `import()` alike): adapters point inward
 * only and never at each other; only src/bin composes them.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const SRC = path.resolve(import.meta.dirname, "../../src");

/** What each top-level folder of src/ may import besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  domain: [],
  app: ["domain"],
  // Technical helpers with no knowledge of the service (reconnecting sessions, connection errors).
  platform: [],
  observability: ["platform"],
  config: ["domain"],
  auth: ["domain", "config", "observability"],
  // Adapters: inward, plus the shared kernels above; never one another.
  db: ["app", "domain", "platform", "observability", "config", "generated"],
  jobs: ["app", "domain", "platform", "observability", "config"],
  pubsub: ["app", "domain", "platform", "observability", "config"],
  worker: ["app", "domain", "platform", "observability", "config"],
  // The HTTP adapter: the GraphQL server also serves the dashboard's route and assets.
  graphql: ["app", "domain", "platform", "observability", "config", "auth", "dashboard"],
  dashboard: ["auth"],
  // The composition root.
  bin: ["*"],
};

/** Folders whose files may import no npm package (node: builtins are allowed in app). */
const NO_PACKAGES: Record<string, "none" | "node-only"> = { domain: "none", app: "node-only" };

/**
 * Today's violations, each to be removed by the change named. Do not add to this list: fix the
 * import (move the type or port to src/app, or pass a function in from src/bin).
 */
/** Imports across the rule that are tolerated for now, each with its reason (none today). */
const ALLOWED = new Set<string>([]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every module specifier of a file, as TypeScript's own scanner reads them. */
function specifiers(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

const layerOf = (rel: string) => rel.split("/")[0]!;

interface Import {
  readonly from: string;
  readonly to: string;
}

function relativeImports(): Import[] {
  const out: Import[] = [];
  for (const file of sources(SRC)) {
    const from = path.relative(SRC, file).split(path.sep).join("/");
    if (layerOf(from) === "generated") continue; // Prisma's output
    for (const spec of specifiers(file)) {
      if (!spec.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts");
      out.push({ from, to: path.relative(SRC, target).split(path.sep).join("/") });
    }
  }
  return out;
}

describe("architecture (unit)", () => {
  const imports = relativeImports();

  it("reads the imports of every source file", () => {
    assert.ok(imports.some((i) => i.from === "bin/api.ts" && i.to === "graphql/server.ts"), "a known import is found");
    assert.ok(imports.some((i) => i.from === "graphql/shared-subscriptions.ts" && i.to === "app/bounded-queue.ts"), "multi-line imports too");
    for (const layer of new Set(imports.map((i) => layerOf(i.from)))) assert.ok(layer in MAY_IMPORT, `src/${layer} has no rule`);
  });

  it("keeps every layer's imports within its rule, besides the listed exceptions", () => {
    const violations = imports
      .filter(({ from, to }) => {
        const [a, b] = [layerOf(from), layerOf(to)];
        const may = MAY_IMPORT[a] ?? [];
        return a !== b && !may.includes("*") && !may.includes(b);
      })
      .map(({ from, to }) => `${from} -> ${to}`);
    const unexpected = violations.filter((v) => !ALLOWED.has(v));
    assert.deepEqual(unexpected, [], "imports across the layer rule (docs/architecture.md, Layers)");
    const stale = [...ALLOWED].filter((v) => !violations.includes(v));
    assert.deepEqual(stale, [], "allowed exceptions that no longer occur: remove them from ALLOWED");
  });

  it("keeps the core free of packages", () => {
    const found: string[] = [];
    for (const [layer, rule] of Object.entries(NO_PACKAGES)) {
      for (const file of sources(path.join(SRC, layer))) {
        for (const spec of specifiers(file)) {
          if (spec.startsWith(".") || (rule === "node-only" && spec.startsWith("node:"))) continue;
          found.push(`${path.relative(SRC, file)} -> ${spec}`);
        }
      }
    }
    assert.deepEqual(found, []);
  });
});
