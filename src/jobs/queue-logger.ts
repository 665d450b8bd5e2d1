/** graphile-worker's log lines routed to the console at our LOG_LEVEL. */
import { Logger } from "graphile-worker";
import type { Config } from "../config/config.js";

type Level = Config["LOG_LEVEL"];
const RANK: Record<Level, number> = { silent: 0, fatal: 1, error: 2, warn: 3, info: 4, debug: 5, trace: 6 };

/**
 * graphile-worker logs every completed job at info level; that is our debug level, so at the
 * default LOG_LEVEL (info) only its warnings and errors show.
 */
export function queueLogger(level: Level = "info"): Logger {
  const max = RANK[level];
  return new Logger((scope) => (lvl, message) => {
    const l = String(lvl);
    const rank = l === "error" ? 2 : l === "warning" ? 3 : 5;
    if (rank > max) return;
    const who = (scope as { workerId?: string }).workerId ?? "worker";
    (rank <= 3 ? console.error : console.log)(`[${who}] ${l}: ${message}`);
  });
}
