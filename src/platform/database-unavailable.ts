/**
 * Whether an error means "the database cannot be reached right now" (refused or dropped
 * connections, a server shutting down or starting, a database gone), as opposed to a bug or bad
 * data: such a request is worth retrying, and clients are told so (SERVICE_UNAVAILABLE). Errors
 * arrive wrapped by Prisma and its pg adapter, so the cause chain is searched.
 */

/** SQLSTATE classes and codes: connection exception, admin/crash shutdown, cannot connect now, database missing, too many connections. */
const SQLSTATE = /^(08...|57P0[1-4]|3D000|53300)$/;
const NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** Prisma's driver-adapter error kinds for the same situations. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "DatabaseDoesNotExist", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const MESSAGES = /Connection terminated|connection timeout|terminating connection|Can't reach database|the database system is (starting up|shutting down)|Client has encountered a connection error|timeout exceeded when trying to connect/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): boolean => {
    if (depth > 6 || e === null || typeof e !== "object" || seen.has(e)) return false;
    seen.add(e);
    const o = e as Record<string, unknown>;
    for (const key of ["code", "originalCode", "sqlState"]) {
      const v = o[key];
      if (typeof v === "string" && (SQLSTATE.test(v) || NODE_CODES.has(v))) return true;
    }
    if (typeof o.kind === "string" && ADAPTER_KINDS.has(o.kind)) return true;
    if (typeof o.message === "string" && MESSAGES.test(o.message)) return true;
    return ["cause", "originalError", "meta", "driverAdapterError", "error"].some((k) => visit(o[k], depth + 1));
  };
  return visit(error, 0);
}
