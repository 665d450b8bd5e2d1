/**
 * Which PostgreSQL the service uses: DATABASE_URL when set (nothing is started), otherwise an
 * embedded server whose data lives in EMBEDDED_PG_DIR (default ./data, "temp" for a throw-away
 * directory). Either way the database is created and migrated before anything connects.
 */
import type { Config } from "../config/config.js";
import { withDatabase } from "./admin.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";
import { prepareDatabase } from "./setup.js";

export interface ServiceDatabase {
  readonly url: string;
  readonly embedded: boolean;
  readonly appliedMigrations: string[];
  /** Stops the embedded server (no-op for an external one). */
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = "epoch_windows";

export async function openServiceDatabase(config: Config, log: (line: string) => void = console.log): Promise<ServiceDatabase> {
  if (config.DATABASE_URL) {
    const appliedMigrations = await prepareDatabase(config.DATABASE_URL);
    return { url: config.DATABASE_URL, embedded: false, appliedMigrations, stop: async () => {} };
  }
  log(`no DATABASE_URL: starting embedded PostgreSQL (data in ${config.EMBEDDED_PG_DIR}, port ${config.EMBEDDED_PG_PORT})`);
  const server = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
  try {
    const url = withDatabase(server.url, EMBEDDED_DATABASE);
    const appliedMigrations = await prepareDatabase(url);
    return { url, embedded: true, appliedMigrations, stop: () => server.stop() };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
