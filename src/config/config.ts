/**
 * The only reader of process.env. Read once, validated, frozen; a bad value stops start-up with a
 * message that names every offending key.
 */
import { z } from "zod";
import { parseApiKeys } from "./api-keys-setting.js";

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
  /** Rows one scheduler batch statement moves at most (docs/architecture.md). */
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /**
   * The longest (ms) a scheduler worker sleeps without looking at the schedule; changes made by
   * mutations wake it at once, this bounds what a lost notice or another worker's batch can delay.
   */
  WORKER_MAX_SLEEP_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  // --- Periodic start catch-up (docs/architecture.md).
  /**
   * A periodic start running later than this (ms) after its instant starts its epoch when it runs,
   * with full windows, and re-anchors the topic's schedule there; within it, starts stay on the grid.
   */
  START_LATE_TOLERANCE_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
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
  /**
   * Open-window pages are served from memory for at most this long (ms), and dropped at once when
   * a transition that can change them commits (LISTEN/NOTIFY, src/app/open-window-cache.ts); 0
   * turns the cache (and the response cache) off.
   */
  OPEN_WINDOW_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Whole responses of open-window queries kept (src/graphql/response-cache.ts), same TTL and invalidation; 0 turns it off. */
  RESPONSE_CACHE_ENTRIES: z.coerce.number().int().min(0).max(100_000).default(1000),
  // --- Metrics (issue 13: cheap, protectable /metrics; docs/operations.md).
  /** Database-derived gauges (COUNT queries) are read at most once per this many ms, whatever the scrape rate. */
  METRICS_DB_REFRESH_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  /** When set, /metrics (API port and worker ops port) answers 401 without `Authorization: Bearer <token>`. */
  METRICS_TOKEN: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(16, "must be at least 16 characters").optional()),
  /** Create and activate a few short demo topics at start (also `npm run demo`). */
  DEMO: bool.default("false"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  // --- Authentication (docs/security.md). With no key and no JWT key configured, auth is off.
  /** "<role>:<sha256 hex of the key>,…" with role viewer or operator; only hashes, never keys. */
  API_KEYS: z
    .string()
    .default("")
    .transform((v, ctx) => {
      try {
        return parseApiKeys(v);
      } catch (e) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
        return z.NEVER;
      }
    }),
  /** HS256 shared secret for JWTs (at least 32 characters). */
  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** RS256 public key (PEM, SPKI) for JWTs; `\n` escapes are turned into newlines. */
  JWT_PUBLIC_KEY: z
    .string()
    .transform((v) => v.replace(/\\n/g, "\n"))
    .refine((v) => v.includes("-----BEGIN PUBLIC KEY-----"), "must be a PEM public key (-----BEGIN PUBLIC KEY-----)")
    .optional(),
  /** When set, a JWT's `iss` / `aud` must match. */
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** The JWT claim holding the role (viewer or operator). */
  JWT_ROLE_CLAIM: z.string().min(1).default("role"),
  /** Queries: open to anonymous callers, or only with credentials (mutations and subscriptions always need them). */
  AUTH_QUERIES: z.enum(["public", "required"]).default("public"),

  // --- Limits.
  /** Requests a client (API key, JWT subject, else IP) may send at once; 0 turns rate limiting off. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(0).max(1_000_000).default(100),
  /** Sustained requests per second per client (token-bucket refill); 0 turns rate limiting off. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).max(1_000_000).default(20),
  /** Express `trust proxy`: false, true, a hop count or a list of proxy addresses (for the client IP). */
  TRUST_PROXY: z
    .string()
    .default("false")
    .transform((v) => (v === "true" ? true : v === "false" ? false : /^\d+$/.test(v) ? Number(v) : v)),
  /** Largest HTTP request body and WebSocket message, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  QUERY_MAX_DEPTH: z.coerce.number().int().min(1).max(1000).default(12),
  QUERY_MAX_ALIASES: z.coerce.number().int().min(0).max(10_000).default(15),
  QUERY_MAX_TOKENS: z.coerce.number().int().min(10).max(1_000_000).default(1000),
  /** Objects one operation may load: page sizes multiplied along each path (src/graphql/query-cost.ts). */
  QUERY_MAX_COST: z.coerce.number().int().min(1).max(100_000_000).default(50_000),
  QUERY_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(10_000).default(50),
  /** PostgreSQL statement_timeout (ms) on the API process's pool; 0 turns it off. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  /** Schema introspection; default on, except with NODE_ENV=production. */
  INTROSPECTION: bool.optional(),
  /** The in-browser playground at / and GET /graphql; default on, except with NODE_ENV=production. */
  PLAYGROUND: bool.optional(),

  // --- Production safety (issue 14, src/config/auth-start.ts): NODE_ENV=production refuses to start
  // without credentials unless authentication is turned off explicitly.
  /** Run without authentication on purpose: a warning at every start, a banner in the playground and dashboard. */
  AUTH_DISABLED: bool.default("false"),
  /** Longest graceful shutdown (ms); past it the process stops its embedded database and exits 1. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
  // Hostile-input hardening (issue 13): the key pagination and resume cursors are signed with.
  /** HMAC key for cursors (at least 32 characters); unset: a random key per process, cursors die with it. */
  CURSOR_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  // --- Subscriptions within budgets and the WebSocket origin guard (docs/security.md, issue #13).
  /** Bytes of results buffered per subscriber before it is ended with SUBSCRIBER_TOO_SLOW (besides SUBSCRIPTION_BUFFER events). */
  SUBSCRIPTION_BUFFER_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(1024 * 1024),
  /** Cost (objects one event may load, as QUERY_MAX_COST counts them) a subscription document may have. */
  SUBSCRIPTION_MAX_COST: z.coerce.number().int().min(1).max(100_000_000).default(200),
  /** Cost units of subscription executions (an event's cost, each time it is executed) a client may spend per second; 0 turns it off. */
  SUBSCRIPTION_WORK_PER_SECOND: z.coerce.number().int().min(0).max(100_000_000).default(5000),
  /** Bytes waiting to be sent on one WebSocket (socket buffer plus its subscribers' buffers) before it is closed with 4413. */
  WS_CONNECTION_BUFFER_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(2 * 1024 * 1024),
  /** A WebSocket whose unsent bytes stay above this for WS_STALL_MS is closed with 4413, whatever pongs it sends. */
  WS_STALL_BYTES: z.coerce.number().int().min(0).max(1024 * 1024 * 1024).default(64 * 1024),
  WS_STALL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Browser origins (scheme://host[:port], comma-separated, or "*") allowed to open a WebSocket besides the API's own. */
  ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((v, ctx) => {
      const out: string[] = [];
      for (const item of v.split(",").map((s) => s.trim()).filter(Boolean)) {
        if (item === "*") {
          out.push(item);
          continue;
        }
        const origin = URL.canParse(item) ? new URL(item).origin : "null";
        if (origin === "null") {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not an origin (http(s)://host[:port]): ${item}` });
          return z.NEVER;
        }
        out.push(origin);
      }
      return out;
    }),
});

type Parsed = z.infer<typeof schema>;
export type Config = Readonly<Omit<Parsed, "INTROSPECTION" | "PLAYGROUND"> & { INTROSPECTION: boolean; PLAYGROUND: boolean }>;

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
  const openByDefault = parsed.data.NODE_ENV !== "production";
  return Object.freeze({
    ...parsed.data,
    INTROSPECTION: parsed.data.INTROSPECTION ?? openByDefault,
    PLAYGROUND: parsed.data.PLAYGROUND ?? openByDefault,
  });
}
