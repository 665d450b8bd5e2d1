/**
 * Server-level statements (src/db/admin.ts, readiness checks). Database names are identifiers,
 * which cannot be parameters: they are checked against a strict pattern and quoted here, and only here.
 */
import type { Statement } from "./statement.js";

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export class UnsafeIdentifierError extends Error {
  constructor(name: string) {
    super(`unsafe database name ${JSON.stringify(name)}`);
    this.name = "UnsafeIdentifierError";
  }
}

function ident(name: string): string {
  if (!IDENT.test(name)) throw new UnsafeIdentifierError(name);
  return `"${name}"`;
}

export function createDatabase(name: string, template?: string): Statement<unknown> {
  return { text: `CREATE DATABASE ${ident(name)}${template === undefined ? "" : ` TEMPLATE ${ident(template)}`}`, values: [] };
}

export function dropDatabase(name: string): Statement<unknown> {
  return { text: `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`, values: [] };
}

/** Ends every other session on `database` (CREATE DATABASE … TEMPLATE fails while anyone is connected to it). */
export function terminateSessions(database: string): Statement<unknown> {
  return { text: "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", values: [database] };
}

export function databaseExists(name: string): Statement<{ one: number }> {
  return { text: "SELECT 1 AS one FROM pg_database WHERE datname = $1", values: [name] };
}

export function ping(): Statement<{ one: number }> {
  return { text: "SELECT 1 AS one", values: [] };
}

/** Migrations recorded as finished and not rolled back. */
export function appliedMigrations(): Statement<{ migration_name: string }> {
  return { text: "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL", values: [] };
}
