/** Structured JSON logs (pino); readable, colored lines in development. */
import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

export function createLogger(opts: { level: string; pretty: boolean; name?: string }): Logger {
  const base = { level: opts.level, name: opts.name ?? "epoch-windows", base: { pid: process.pid } };
  if (opts.pretty) return pino(base, pretty({ colorize: true, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }));
  return pino(base);
}
