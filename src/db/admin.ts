/** Server-level database administration (create, drop, clone from a template) through pg. */
import pg from "pg";
import * as sql from "./sql/admin.js";
import { execute, queryRows } from "./sql/statement.js";

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, "")) || "postgres";
}

async function withAdminClient<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  await withAdminClient(adminUrl, async (c) => {
    const create = sql.createDatabase(name, template || undefined); // names checked before anything runs
    if (template) await execute(c, sql.terminateSessions(template));
    await execute(c, create);
  });
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdminClient(adminUrl, (c) => execute(c, sql.dropDatabase(name)));
}

/** Create the database named in `url` when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withAdminClient(withDatabase(url, "postgres"), async (c) => {
    const found = await queryRows(c, sql.databaseExists(name));
    if (found.length === 0) await execute(c, sql.createDatabase(name));
  });
}

export async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await queryRows(client, sql.ping());
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
