import type { ReadinessCheck } from "../observability/health.js";
import { readMigrationList } from "./migrations.js";
import type { Db } from "./prisma-client.js";

export function databaseCheck(db: Db): ReadinessCheck {
  return { name: "database", check: async () => void (await db.$queryRaw`SELECT 1`) };
}

/** Every migration in prisma/migrations is recorded as finished in _prisma_migrations. */
export function migrationsCheck(db: Db): ReadinessCheck {
  let expected: Promise<string[]> | undefined;
  return {
    name: "migrations",
    async check() {
      expected ??= readMigrationList().then((l) => l.migrationDirectories.map((d) => d.path));
      const rows = await db.$queryRaw<{ migration_name: string }[]>`
        SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
      const applied = new Set(rows.map((r) => r.migration_name));
      const missing = (await expected).filter((m) => !applied.has(m));
      if (missing.length) throw new Error(`pending migrations: ${missing.join(", ")}`);
    },
  };
}
