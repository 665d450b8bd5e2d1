import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";

export type Db = PrismaClient;
/** A client or an open interactive transaction: repositories accept either. */
export type DbTx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export function createPrismaClient(connectionString: string, options: { max?: number } = {}): PrismaClient {
  return createDatabaseClient(connectionString, options).prisma;
}

/** The Prisma client and the pg pool under it (exposed for pool metrics). */
export function createDatabaseClient(connectionString: string, options: { max?: number } = {}): { prisma: PrismaClient; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client's error (e.g. the server restarted) must not crash the process; the pool drops it.
  pool.on("error", () => {});
  // disposeExternalPool: $disconnect() still ends the pool, as it does for a pool the adapter made.
  return { prisma: new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) }), pool };
}
