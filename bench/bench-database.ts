/** Throw-away databases for the benchmarks, on DATABASE_URL's server (default: the local one). */
import { createDatabase, dropDatabase, withDatabase } from "../src/db/admin.js";
import { prepareDatabase } from "../src/db/setup.js";

export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

export function benchAdminUrl(): string {
  return withDatabase(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres", "postgres");
}

/** A fresh, migrated database named `ew_bench_<label>_<pid>` (replacing a leftover of the same name). */
export async function createBenchDatabase(label: string, adminUrl = benchAdminUrl()): Promise<BenchDatabase> {
  const name = `ew_bench_${label}_${process.pid}`;
  const url = withDatabase(adminUrl, name);
  await dropDatabase(adminUrl, name);
  await createDatabase(adminUrl, name);
  await prepareDatabase(url);
  return { url, name, drop: () => dropDatabase(adminUrl, name) };
}
