/** One fresh database per test file, cloned from the template that test/run.ts migrated. */
import { randomBytes } from "node:crypto";
import { createDatabase, dropDatabase, withDatabase } from "../../src/db/admin.js";
import type pg from "pg";
import { createDatabaseClient, type Db } from "../../src/db/prisma-client.js";

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  readonly prisma: Db;
  /** The pool under `prisma`. */
  readonly pool: pg.Pool;
  /** Disconnects and drops the database; call it from the file's `after` hook. */
  close(): Promise<void>;
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests through \`npm test\` (test/run.ts)`);
  return v;
}

/** Creates the database now; the caller drops it with `close()` (register it with `after`). */
export async function createTestDatabase(opts: { poolSize?: number } = {}): Promise<TestDatabase> {
  const adminUrl = env("TEST_ADMIN_URL");
  const name = `ew_test_${randomBytes(6).toString("hex")}`;
  await createDatabase(adminUrl, name, env("TEST_TEMPLATE_DB"));
  const url = withDatabase(adminUrl, name);
  const { prisma, pool } = createDatabaseClient(url, { max: opts.poolSize ?? 10 });
  return {
    url,
    name,
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await dropDatabase(adminUrl, name);
    },
  };
}
