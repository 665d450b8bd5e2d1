/**
 * `npm test` driver: prepares one migrated template database, then runs every test file with
 * node's test runner. Each integration file clones the template into its own database
 * (test/helpers/database.ts), so files cannot leak into each other and run in parallel.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { canConnect, createDatabase, dropDatabase, withDatabase } from "../src/db/admin.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../src/db/embedded-postgres.js";
import { prepareDatabase } from "../src/db/setup.js";

const root = path.resolve(import.meta.dirname, "..");
const LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres";

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

/**
 * The server: DATABASE_URL when given (it must answer), else a local server on 5432 when one
 * answers (unless TEST_EMBEDDED=1), else an embedded PostgreSQL in a temp directory, stopped at the end.
 */
let embedded: EmbeddedDatabase | undefined;
let adminUrl: string;
if (process.env.DATABASE_URL) {
  adminUrl = withDatabase(process.env.DATABASE_URL, "postgres");
  if (!(await canConnect(adminUrl))) {
    console.error(`PostgreSQL is not reachable at ${adminUrl} (DATABASE_URL); unset it to use an embedded server.`);
    process.exit(1);
  }
} else if (process.env.TEST_EMBEDDED !== "1" && (await canConnect(LOCAL_SERVER))) {
  adminUrl = LOCAL_SERVER;
} else {
  console.log("test: no PostgreSQL server found; starting an embedded one");
  embedded = await startEmbeddedPostgres({ dir: "temp", port: 0 });
  adminUrl = embedded.url;
}
// The embedded server no longer stops itself on signals (src/db/embedded-postgres.ts): do it here.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => void (embedded?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));
}
console.log(`test: using PostgreSQL at ${adminUrl.replace(/:[^:@/]*@/, ":***@")}`);

const template = `ew_template_${process.pid}`;
await dropDatabase(adminUrl, template);
await createDatabase(adminUrl, template);
await prepareDatabase(withDatabase(adminUrl, template));

const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=3", ...files], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TEST_ADMIN_URL: adminUrl, TEST_TEMPLATE_DB: template },
  });
  child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
});
await dropDatabase(adminUrl, template);
await embedded?.stop();
process.exit(code);
