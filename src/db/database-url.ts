/** Where the service's database is: DATABASE_URL, or the local default server. */
import type { Config } from "../config/config.js";

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/epoch_windows";

export function databaseUrl(config: Config): string {
  return config.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}
