/**
 * The only reader of process.env. Read once, validated, frozen; a bad value stops start-up with a
 * message that names every offending key.
 */
import { z } from "zod";

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off"])
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

const schema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("0.0.0.0"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Run a scheduler worker inside the API process. */
  RUN_WORKER: bool.default("true"),
  /** Embedded PostgreSQL data directory when DATABASE_URL is unset; "temp" for a throw-away one. */
  EMBEDDED_PG_DIR: z.string().default("./data"),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /** Jobs a worker runs at once. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
  /** Fallback poll interval (ms) of the job queue; due-time wake-ups are timer driven. */
  WORKER_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60000).default(1000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Config = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return Object.freeze(parsed.data);
}
