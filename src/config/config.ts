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
  /** Jobs a worker runs at once, counting those claimed early and waiting for their instant. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  /**
   * Jobs are queued this many ms before they are due; the worker claims them early and starts the
   * transaction on the due instant. Keep it equal in every process (API and workers).
   */
  WORKER_LEAD_MS: z.coerce.number().int().min(0).max(10000).default(100),
  /** Fallback poll interval (ms) of the job queue; due-time wake-ups are timer driven. */
  WORKER_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60000).default(1000),
  /** How often (ms) a worker looks for jobs locked by crashed workers. */
  WORKER_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(60000).default(1000),
  /** A job locked this long (ms) by a worker whose database session is gone is released. */
  WORKER_ORPHAN_GRACE_MS: z.coerce.number().int().min(100).max(3_600_000).default(2000),
  /** A lifecycle step whose prerequisite has not happened yet runs again after this delay (ms). */
  WORKER_WAIT_RETRY_MS: z.coerce.number().int().min(10).max(60000).default(250),
  /** Port of the standalone worker's /healthz, /readyz and /metrics (0 picks a free one). */
  WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Connections in the API process's database pool. */
  DB_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  /** Events buffered per subscriber before it is closed with SUBSCRIBER_TOO_SLOW. */
  SUBSCRIPTION_BUFFER: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Subscriptions one WebSocket connection may hold. */
  SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).max(10_000).default(100),
  /** graphql-ws keep-alive ping interval (ms). */
  WS_KEEPALIVE_MS: z.coerce.number().int().min(1000).max(600_000).default(12_000),
  /** Fallback poll (ms) of the transition feed, besides LISTEN/NOTIFY. */
  FEED_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Create and activate a few short demo topics at start (also `npm run demo`). */
  DEMO: bool.default("false"),
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
