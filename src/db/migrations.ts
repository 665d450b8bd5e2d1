/** Applies prisma/migrations (Prisma's own layout and `_prisma_migrations` table) offline. */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MigrationList } from "@prisma/schema-engine-wasm";
import { NO_FILTERS, openSchemaEngine } from "./schema-engine.js";

const PRISMA_DIR = fileURLToPath(new URL("../../prisma/", import.meta.url));
const SCHEMA_PATH = path.join(PRISMA_DIR, "schema.prisma");
const MIGRATIONS_DIR = path.join(PRISMA_DIR, "migrations");

async function readDatamodel(): Promise<{ path: string; content: string }> {
  return { path: SCHEMA_PATH, content: await readFile(SCHEMA_PATH, "utf8") };
}

export async function readMigrationList(): Promise<MigrationList> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrationDirectories = await Promise.all(
    dirs.map(async (name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok" as const, value: await readFile(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8") },
      },
    })),
  );
  const lockPath = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  const lock = await readFile(lockPath, "utf8").catch(() => null);
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: "migration_lock.toml", content: lock },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

/** Apply every pending migration; returns the names applied (empty when up to date). */
export async function applyMigrations(connectionString: string): Promise<string[]> {
  const handle = await openSchemaEngine(connectionString, await readDatamodel());
  try {
    const out = await handle.engine.applyMigrations({ migrationsList: await readMigrationList(), filters: NO_FILTERS });
    return out.appliedMigrationNames;
  } finally {
    await handle.close();
  }
}

/** The SQL that builds prisma/schema.prisma from an empty database (used by the drift test). */
export async function schemaCreationSql(connectionString: string): Promise<string> {
  const datamodel = await readDatamodel();
  const handle = await openSchemaEngine(connectionString, datamodel);
  try {
    const out = await handle.engine.diff({
      from: { tag: "empty" },
      to: { tag: "schemaDatamodel", files: [datamodel] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    return out.stdout ?? "";
  } finally {
    await handle.close();
  }
}
