/** `npm run db:migrate`: apply pending migrations offline through Prisma's WebAssembly engine. */
import { loadConfig } from "../config/config.js";
import { databaseUrl } from "../db/database-url.js";
import { prepareDatabase } from "../db/setup.js";

const config = loadConfig();
const url = databaseUrl(config);
const applied = await prepareDatabase(url);
console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database is up to date; nothing to apply");
