/**
 * `npm test` driver: prepares one migrated template database, then runs every test file with
 * node's test runner. Each integration file clones the template into its own database
 * (test/helpers/database.ts), so files cannot leak into each other and run in parallel.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { canConnect, createDatabase, dropDatabase, withDatabase } from "../src/db/admin.js";
import { prepareDatabase } from "../src/db/setup.js";

const root = path.resolve(import.meta.dirname, "..");
const adminUrl = process.env.DATABASE_URL ? withDatabase(process.env.DATABASE_URL, "postgres") : "postgresql://postgres@127.0.0.1:5432/postgres";

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith(".test.ts")) out.push(path.relative(root, p));
  }
  return out.sort();
}

const filters = process.argv.slice(2);
const files = testFiles(path.join(root, "test")).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));

if (!(await canConnect(adminUrl))) {
  console.error(`PostgreSQL is not reachable at ${adminUrl}; set DATABASE_URL or start a server (.ci/run does).`);
  process.exit(1);
}

const template = `ew_template_${process.pid}`;
await dropDatabase(adminUrl, template);
await createDatabase(adminUrl, template);
await prepareDatabase(withDatabase(adminUrl, template));

const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TEST_ADMIN_URL: adminUrl, TEST_TEMPLATE_DB: template },
  });
  child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
});
await dropDatabase(adminUrl, template);
process.exit(code);
