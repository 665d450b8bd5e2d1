import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { readdirSync } from "node:fs";
import pg from "pg";
import { applyMigrations, schemaCreationSql } from "../../src/db/migrations.js";
import { createTestDatabase } from "../helpers/database.js";
import { createEmptyDatabase } from "../helpers/empty-database.js";

/** Rules the datamodel cannot express, so they exist only in the migrations (by design). */
const MIGRATION_ONLY_CONSTRAINTS = new Set([
  "epoch_state_check",
  "transition_record_transition_check",
  "transition_record_states_check",
  "transition_record_source_check",
  "topic_settings_check",
]);

/** A catalog fingerprint: columns, indexes and constraints of the public schema. */
async function fingerprint(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: string[] = [];
    const cols = await c.query(`SELECT table_name, column_name, data_type, is_nullable, column_default, numeric_precision
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    for (const r of cols.rows) out.push(`column ${r.table_name}.${r.column_name} ${r.data_type} null=${r.is_nullable} default=${r.column_default}`);
    const idx = await c.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`);
    for (const r of idx.rows) out.push(`index ${r.indexdef}`);
    const cons = await c.query(`SELECT con.conname, rel.relname, pg_get_constraintdef(con.oid) AS def FROM pg_constraint con
      JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace n ON n.oid = rel.relnamespace
      WHERE n.nspname = 'public' AND rel.relname <> '_prisma_migrations'`);
    for (const r of cons.rows) if (!MIGRATION_ONLY_CONSTRAINTS.has(r.conname)) out.push(`constraint ${r.relname}.${r.conname} ${r.def}`);
    return out.sort();
  } finally {
    await c.end();
  }
}

/** Every migration in the tree, in the order they apply. */
const MIGRATIONS = readdirSync(new URL("../../prisma/migrations/", import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe("migrations", () => {
  it("build exactly the schema that prisma/schema.prisma describes (no drift)", async () => {
    const migrated = await createEmptyDatabase();
    const applied = await applyMigrations(migrated.url);
    assert.deepEqual(applied, MIGRATIONS);

    const fromDatamodel = await createEmptyDatabase();
    const sql = await schemaCreationSql(fromDatamodel.url);
    const c = new pg.Client({ connectionString: fromDatamodel.url });
    await c.connect();
    await c.query(sql);
    await c.end();

    const [a, b] = [await fingerprint(migrated.url), await fingerprint(fromDatamodel.url)];
    assert.ok(a.length > 20, "fingerprint unexpectedly small");
    assert.deepEqual(a, b);
  });

  it("are idempotent: a second run applies nothing", async () => {
    const db = await createEmptyDatabase();
    assert.deepEqual(await applyMigrations(db.url), MIGRATIONS);
    assert.deepEqual(await applyMigrations(db.url), []);
  });

  it("keep the rules the datamodel cannot express", async () => {
    const db = await createTestDatabase();
    after(() => db.close());
    const rows = await db.prisma.$queryRaw<{ conname: string }[]>`SELECT conname FROM pg_constraint WHERE contype = 'c'`;
    const names = new Set(rows.map((r) => r.conname));
    for (const n of MIGRATION_ONLY_CONSTRAINTS) assert.ok(names.has(n), `missing constraint ${n}`);
    await assert.rejects(
      db.prisma.$executeRaw`INSERT INTO topic (id, epoch_length, ground_truth_lag, worker_submission_window) VALUES (0, 10, 1, 5)`,
    );
  });
});
