/** Structured JSON logs (pino); readable, colored lines in development. */
import { pino, type Logger } from "pino";
import pretty from "pino-pretty";
import { requestLogFields } from "./request-context.js";

export type { Logger };

export function createLogger(opts: { level: string; pretty: boolean; name?: string }): Logger {
  const base = {
    level: opts.level,
    name: opts.name ?? "epoch-windows",
    base: { pid: process.pid },
    // Lines logged while serving a request carry its id and operation (src/observability/request-context.ts).
    mixin: requestLogFields,
  };
  if (opts.pretty) return pino(base, pretty({ colorize: true, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }));
  return pino(base);
}

/** For embedders and tests that pass no logger. */
export const silentLogger: Logger = pino({ level: "silent" });
