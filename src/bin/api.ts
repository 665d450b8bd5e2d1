/**
 * `npm start`: the API (composition root). Opens the database (DATABASE_URL, or an embedded
 * PostgreSQL in ./data), applies migrations, starts the live transition feed, an in-process
 * scheduler worker unless RUN_WORKER=false, and serves GraphQL (HTTP + graphql-ws), the playground,
 * the dashboard, /healthz, /readyz and /metrics on one port.
 */
import "reflect-metadata";
import { ensureDemoTopics } from "../app/demo-topics.js";
import { OpenWindowCache } from "../app/open-window-cache.js";
import { authStart } from "../config/auth-start.js";
import { ConfigError, loadConfig, type Config } from "../config/config.js";
import { openServiceDatabase } from "../db/database-bootstrap.js";
import { createDatabaseClient } from "../db/prisma-client.js";
import { PrismaReadModel } from "../db/read-model.js";
import { migrationsCheck } from "../db/readiness-checks.js";
import { PrismaSettledLogReader } from "../db/settled-log-reader.js";
import { ResponseCache } from "../graphql/response-cache.js";
import { createApiServer } from "../graphql/server.js";
import type { ReadinessCheck } from "../observability/health.js";
import { createLogger } from "../observability/logger.js";
import { ANY_CHANGE, noticeOfRecords } from "../app/commit-notice.js";
import { startLiveTransitions } from "../pubsub/live-transitions.js";
import { liveEvents } from "../pubsub/transition-events.js";
import { workerCheck } from "../worker/readiness.js";
import { apiSecurityFromConfig } from "./api-security.js";
import { setCursorSecret } from "../graphql/cursors.js";
import { createLifecycle, startLifecycleWorker } from "./lifecycle-wiring.js";
import { createProcessMetrics, transitionMetrics } from "./process-metrics.js";
import { startStatusLine } from "./status-line.js";

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}
// Production without credentials stops here, before anything listens (src/config/auth-start.ts).
const auth = authStart(config);
if (auth.kind === "refused") {
  console.error(auth.message);
  process.exit(2);
}
const log = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === "development" });
if (auth.kind === "open") log.warn(auth.warning);
const demo = config.DEMO || process.argv.includes("--demo");

// Signals are handled from the first moment, so none can kill the process by default and leave an
// embedded PostgreSQL behind: one that arrives during start-up stops the service once it is up.
// `on`, not `once`: a repeated signal (Ctrl-C reaches both npm, which forwards it, and this process)
// must not fall back to the default action halfway through the shutdown.
type StopRequest = { readonly reason: string; readonly code: number };
let stopRequested: StopRequest | null = null;
let shutdown: ((reason: string, code: number) => Promise<void>) | null = null;
let stopEmbedded = async (): Promise<void> => {};
function requestStop(reason: string, code = 0): void {
  if (stopRequested) return;
  stopRequested = { reason, code };
  // A shutdown stuck on a client, a job or a start-up step must not leave the process (or its
  // database) behind.
  setTimeout(() => {
    log.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutdown took too long: stopping the database and exiting");
    void stopEmbedded().finally(() => process.exit(1));
  }, config.SHUTDOWN_TIMEOUT_MS).unref();
  if (shutdown) void shutdown(reason, code);
  else log.info({ signal: reason }, "stop requested during start-up: stopping once started");
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => requestStop(sig));
// While shutting down, connections close under running work: expected, so only noted. Otherwise an
// unhandled rejection is a bug: log it and exit non-zero so a supervisor restarts a clean process.
process.on("unhandledRejection", (err) => {
  if (stopRequested) return log.warn({ err }, "error while shutting down");
  log.fatal({ err }, "unhandled rejection");
  requestStop("unhandledRejection", 1);
});

const database = await openServiceDatabase(config, (m) => log.info(m));
stopEmbedded = () => database.stop();
if (database.appliedMigrations.length) log.info({ migrations: database.appliedMigrations }, "applied migrations");
const { prisma, pool } = createDatabaseClient(database.url, { max: config.DB_POOL_MAX, statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS });
const storeReads = new PrismaReadModel(prisma, pool);
// Counted once the metrics exist (they need the feed, which needs the cache's observer).
let countPageRead = (_hit: boolean): void => {};
const openWindowCache =
  config.OPEN_WINDOW_CACHE_TTL_MS > 0 ? new OpenWindowCache(storeReads, { ttlMs: config.OPEN_WINDOW_CACHE_TTL_MS, onRead: (hit) => countPageRead(hit) }) : null;
const readModel = openWindowCache ?? storeReads;
const responseCache =
  openWindowCache && config.RESPONSE_CACHE_ENTRIES > 0 ? new ResponseCache({ ttlMs: config.OPEN_WINDOW_CACHE_TTL_MS, maxEntries: config.RESPONSE_CACHE_ENTRIES }) : null;

const live = await startLiveTransitions(database.url, new PrismaSettledLogReader(prisma), {
  pollIntervalMs: config.FEED_POLL_INTERVAL_MS,
  bufferLimit: config.SUBSCRIPTION_BUFFER,
  bufferBytes: config.SUBSCRIPTION_BUFFER_BYTES,
  onError: (err) => log.error({ err }, "transition feed read failed; retrying on the next wake-up"),
  log: (msg) => log.warn(msg),
  observer: openWindowCache
    ? {
        onNotice: (notice) => {
          openWindowCache.invalidate(notice);
          responseCache?.invalidate(notice);
        },
        onListening: (up) => {
          openWindowCache.setListening(up);
          responseCache?.setListening(up);
        },
      }
    : undefined,
});

const metrics = createProcessMetrics(prisma, { feed: live.feed, pool, dbRefreshMs: config.METRICS_DB_REFRESH_MS });
countPageRead = (hit) => metrics.cacheReads.inc({ cache: "page", result: hit ? "hit" : "miss" });
const countTransitions = transitionMetrics(metrics);
// Our own commits drop cached pages before the mutation answers, without waiting for the notice.
const lifecycle = createLifecycle({
  prisma,
  pool,
  config,
  onCommitted: (records) => {
    const notice = records.length ? noticeOfRecords(records) : ANY_CHANGE;
    openWindowCache?.invalidate(notice);
    responseCache?.invalidate(notice);
    countTransitions(records);
  },
  onMissedStarts: (n) => metrics.missedStarts.inc(n),
});
// It rides out a database outage by itself (retrying with backoff); /readyz says meanwhile.
const worker = config.RUN_WORKER
  ? await startLifecycleWorker(config, database.url, lifecycle, { onError: (err) => log.error({ err }, "scheduler") })
  : null;
const readiness: ReadinessCheck[] = [migrationsCheck(prisma)];
if (worker) readiness.push(workerCheck(worker));

const security = await apiSecurityFromConfig(config);
if (config.CURSOR_SECRET) setCursorSecret(config.CURSOR_SECRET);
else if (config.NODE_ENV === "production") log.warn("CURSOR_SECRET is not set: cursors are signed with a random per-process key, so they stop working after a restart and on other instances; set it in production");
const api = await createApiServer({
  config,
  readModel,
  commands: lifecycle.commands,
  events: liveEvents(live.feed),
  metrics,
  metricsToken: config.METRICS_TOKEN,
  readiness,
  security,
  subscriptionLimits: {
    maxPerConnection: config.SUBSCRIPTIONS_PER_CONNECTION,
    keepAliveMs: config.WS_KEEPALIVE_MS,
    buffer: config.SUBSCRIPTION_BUFFER,
    bufferBytes: config.SUBSCRIPTION_BUFFER_BYTES,
    maxCost: config.SUBSCRIPTION_MAX_COST,
    workPerSecond: config.SUBSCRIPTION_WORK_PER_SECOND,
    backpressure: { connectionBytes: config.WS_CONNECTION_BUFFER_BYTES, stallBytes: config.WS_STALL_BYTES, stallMs: config.WS_STALL_MS },
  },
  logger: log,
  responseCache,
});
const { url } = await api.start(config.PORT, config.HOST);
log.info(
  { database: database.embedded ? `embedded (${config.EMBEDDED_PG_DIR})` : "DATABASE_URL", worker: worker?.id ?? "off" },
  `epoch-windows on ${url}/graphql · playground ${url}/ · dashboard ${url}/dashboard`,
);

let stopStatus: (() => void) | null = null;
if (demo) {
  stopStatus = startStatusLine(live.feed, readModel);
  const topics = await ensureDemoTopics(lifecycle.commands);
  log.info({ topics: topics.map((t) => t.id.toString()) }, "demo topics active");
}

shutdown = async (reason, code) => {
  log.info({ signal: reason }, "shutting down: draining requests, closing subscriptions, stopping the worker");
  stopStatus?.();
  // Order: stop taking requests (HTTP drained, sockets closed with 1001), finish the batch in flight,
  // then close the feed, the pool and the embedded server.
  await api.stop().catch((err) => log.error({ err }, "stopping the API"));
  await worker?.stop().catch((err) => log.error({ err }, "stopping the worker"));
  await live.stop();
  await prisma.$disconnect();
  await database.stop().catch((err) => log.error({ err }, "stopping the embedded database"));
  process.exit(code);
};
// A signal that came during start-up (TypeScript cannot see the handler assign it).
const pending = stopRequested as StopRequest | null;
if (pending) void shutdown(pending.reason, pending.code);
