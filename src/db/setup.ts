/** Brings a database to the current schema: Prisma migrations (and, later, the job queue's schema). */
import { applyMigrations } from "./migrations.js";
import { ensureDatabase } from "./admin.js";

export async function prepareDatabase(url: string): Promise<string[]> {
  await ensureDatabase(url);
  return applyMigrations(url);
}
