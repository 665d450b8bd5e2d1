/** `npm start`: apply pending migrations, then serve the GraphQL API (composition root). */
import "reflect-metadata";
import { loadConfig } from "../config/config.js";
import { databaseUrl } from "../db/database-url.js";
import { createPrismaClient } from "../db/prisma-client.js";
import { PrismaReadModel } from "../db/read-model.js";
import { prepareDatabase } from "../db/setup.js";
import { createApiServer } from "../graphql/server.js";
import { createLifecycle } from "./lifecycle-wiring.js";

const config = loadConfig();
const url = databaseUrl(config);
const applied = await prepareDatabase(url);
if (applied.length) console.log(`applied migrations: ${applied.join(", ")}`);

const prisma = createPrismaClient(url);
// The scheduler worker (RUN_WORKER) and subscriptions are wired beside this server separately.
const { commands } = createLifecycle(prisma, config);
const api = await createApiServer({ config, readModel: new PrismaReadModel(prisma), commands });
const { url: shown } = await api.start(config.PORT, config.HOST);
console.log(`epoch-windows GraphQL API on ${shown}/graphql (playground: ${shown}/)`);

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    void api
      .stop()
      .then(() => prisma.$disconnect())
      .then(() => process.exit(0));
  });
}
