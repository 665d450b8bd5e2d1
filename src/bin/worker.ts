/** `npm run worker`: apply pending migrations, then run a scheduler worker until SIGINT/SIGTERM. */
import { loadConfig } from "../config/config.js";
import { databaseUrl } from "../db/database-url.js";
import { createPrismaClient } from "../db/prisma-client.js";
import { prepareDatabase } from "../db/setup.js";
import { createLifecycle, startLifecycleWorker } from "./lifecycle-wiring.js";

const config = loadConfig();
const url = databaseUrl(config);
await prepareDatabase(url);
// Jobs hold a connection only for their transaction (not while waiting for their instant).
const prisma = createPrismaClient(url, { max: Math.min(config.WORKER_CONCURRENCY + 2, 20) });
const worker = await startLifecycleWorker(config, url, createLifecycle(prisma, config));
console.log(`scheduler worker ${worker.poolId} running (concurrency ${config.WORKER_CONCURRENCY})`);

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    if (stopping) return;
    stopping = true;
    void worker.stop().finally(() => prisma.$disconnect().finally(() => process.exit(0)));
  });
}
worker.done.catch((e: unknown) => {
  console.error("scheduler worker stopped:", e);
  process.exit(1);
});
