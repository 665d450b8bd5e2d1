/** Brings a database to the current schema: Prisma's migrations (prisma/migrations). */
import { ensureDatabase } from "./admin.js";
import { applyMigrations } from "./migrations.js";

export async function prepareDatabase(url: string): Promise<string[]> {
  await ensureDatabase(url);
  return applyMigrations(url);
}
