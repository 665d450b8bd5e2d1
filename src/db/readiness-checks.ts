import type { ReadinessCheck } from "../observability/health.js";
import { readMigrationList } from "./migrations.js";
import type { Db } from "./prisma-client.js";
import * as sql from "./sql/admin.js";
import { queryRows } from "./sql/statement.js";

export function databaseCheck(db: Db): ReadinessCheck {
  return { name: "database", check: async () => void (await queryRows(db, sql.ping())) };
}

/** Every migration in prisma/migrations is recorded as finished in _prisma_migrations. */
export function migrationsCheck(db: Db): ReadinessCheck {
  let expected: Promise<string[]> | undefined;
  return {
    name: "migrations",
    async check() {
      expected ??= readMigrationList().then((l) => l.migrationDirectories.map((d) => d.path));
      const rows = await queryRows(db, sql.appliedMigrations());
      const applied = new Set(rows.map((r) => r.migration_name));
      const missing = (await expected).filter((m) => !applied.has(m));
      if (missing.length) throw new Error(`pending migrations: ${missing.join(", ")}`);
    },
  };
}
