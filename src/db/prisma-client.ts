import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";

export type Db = PrismaClient;
/** A client or an open interactive transaction: repositories accept either. */
export type DbTx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export interface DatabaseClientOptions {
  /** Pool size (default 10). */
  readonly max?: number;
  /** PostgreSQL statement_timeout (ms) on every pooled connection; 0 or absent: none. */
  readonly statementTimeoutMs?: number;
}

export function createPrismaClient(connectionString: string, options: DatabaseClientOptions = {}): PrismaClient {
  return createDatabaseClient(connectionString, options).prisma;
}

/** The Prisma client and the pg pool under it (exposed for pool metrics). */
export function createDatabaseClient(connectionString: string, options: DatabaseClientOptions = {}): { prisma: PrismaClient; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    // Sent in each connection's startup packet: a runaway statement is cancelled by the server.
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // An idle client's error (e.g. the server restarted) must not crash the process; the pool drops it.
  pool.on("error", () => {});
  // disposeExternalPool: $disconnect() still ends the pool, as it does for a pool the adapter made.
  return { prisma: new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) }), pool };
}
