import { randomBytes } from "node:crypto";
import { after } from "node:test";
import { createDatabase, dropDatabase, withDatabase } from "../../src/db/admin.js";

/** A new database with no schema at all (for migration tests); dropped after the file. */
export async function createEmptyDatabase(): Promise<{ url: string; name: string }> {
  const adminUrl = process.env.TEST_ADMIN_URL;
  if (!adminUrl) throw new Error("TEST_ADMIN_URL is not set: run tests through `npm test`");
  const name = `ew_empty_${randomBytes(6).toString("hex")}`;
  await createDatabase(adminUrl, name);
  after(() => dropDatabase(adminUrl, name));
  return { url: withDatabase(adminUrl, name), name };
}
