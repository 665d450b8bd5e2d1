/**
 * `npm run db:migrate`: apply pending migrations offline (Prisma's WebAssembly engine) to
 * DATABASE_URL, or to the embedded database in EMBEDDED_PG_DIR when DATABASE_URL is unset.
 */
import { loadConfig } from "../config/config.js";
import { openServiceDatabase } from "../db/database-bootstrap.js";

const database = await openServiceDatabase(loadConfig());
const applied = database.appliedMigrations;
console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "database is up to date; nothing to apply");
await database.stop();
