/**
 * `npm run worker`: a standalone scheduler worker (scale these out; see docs/operations.md). Applies pending
 * migrations, runs until SIGINT/SIGTERM, and serves /healthz, /readyz and /metrics on WORKER_PORT.
 * It needs DATABASE_URL: the embedded database belongs to the API process, which runs its own worker.
 */
import { authStart } from "../config/auth-start.js";
import { ConfigError, loadConfig, type Config } from "../config/config.js";
import { createDatabaseClient } from "../db/prisma-client.js";
import { databaseCheck, migrationsCheck } from "../db/readiness-checks.js";
import { prepareDatabase } from "../db/setup.js";
import { createLogger } from "../observability/logger.js";
import { startOpsServer } from "../observability/ops-server.js";
import { workerCheck } from "../worker/readiness.js";
import { createLifecycle, startLifecycleWorker } from "./lifecycle-wiring.js";
import { createProcessMetrics, transitionMetrics } from "./process-metrics.js";

let config: Config;
try {
  config = loadConfig();
  if (!config.DATABASE_URL) throw new ConfigError(["DATABASE_URL: required by a standalone worker (the embedded database is the API's; `npm start` runs a worker in-process)"]);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}
// The same rule as the API's (src/config/auth-start.ts): a fleet is secured or opened on purpose.
const auth = authStart(config);
if (auth.kind === "refused") {
  console.error(auth.message);
  process.exit(2);
}
const url = config.DATABASE_URL!;
const log = createLogger({ level: config.LOG_LEVEL, pretty: config.NODE_ENV === "development", name: "epoch-windows-worker" });
if (auth.kind === "open") log.warn(auth.warning);
// Until the worker runs there is nothing to release: a signal during start-up just ends the process.
const exitNow = () => process.exit(0);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, exitNow);
await prepareDatabase(url);
// A round runs up to five kinds of work side by side, a connection each; the rest serve metrics
// and readiness.
const { prisma, pool } = createDatabaseClient(url, { max: 8 });
const metrics = createProcessMetrics(prisma, { pool, dbRefreshMs: config.METRICS_DB_REFRESH_MS });
// It rides out a database outage by itself (retrying with backoff); /readyz says meanwhile.
const lifecycle = createLifecycle({ prisma, pool, config, onCommitted: transitionMetrics(metrics), onMissedStarts: (n) => metrics.missedStarts.inc(n) });
const worker = await startLifecycleWorker(config, url, lifecycle, { onError: (err) => log.error({ err }, "scheduler") });
const ops = await startOpsServer({
  port: config.WORKER_PORT,
  host: config.HOST,
  metrics,
  metricsToken: config.METRICS_TOKEN,
  readiness: [
    databaseCheck(prisma),
    migrationsCheck(prisma),
    workerCheck(worker),
  ],
});
log.info({ worker: worker.id, batchSize: config.WORKER_BATCH_SIZE, opsPort: ops.port }, `scheduler worker ${worker.id} running`);
// Test harnesses read this line to know the worker is up.
console.log(`scheduler worker ${worker.id} running (batch size ${config.WORKER_BATCH_SIZE})`);

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.off(sig, exitNow);
  // `on`, not `once`: a repeated signal must not kill the process halfway through its last batch.
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal: sig }, "stopping: finishing the batch in flight");
    setTimeout(() => {
      log.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, "shutdown took too long: exiting");
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    void worker
      .stop()
      .then(() => ops.stop())
      .finally(() => prisma.$disconnect().finally(() => process.exit(0)));
  });
}
