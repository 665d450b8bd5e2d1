/**
 * Brings a database to the current schema: Prisma migrations, then graphile-worker's own schema
 * (graphile_worker.*), which our transactions call (add_job, remove_job) to schedule lifecycle steps.
 */
import { runMigrations } from "graphile-worker";
import { queueLogger } from "../jobs/queue-logger.js";
import { ensureDatabase } from "./admin.js";
import { applyMigrations } from "./migrations.js";

export async function prepareDatabase(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const applied = await applyMigrations(url);
  await runMigrations({ connectionString: url, logger: queueLogger("warn") });
  return applied;
}
