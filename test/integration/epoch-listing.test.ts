/** The prepared-statement listing (src/db/epoch-listing.ts) answers exactly as the repository does. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { EpochFilter, EpochPosition, EpochRecord } from "../../src/app/records.js";
import { EpochRepository } from "../../src/db/epoch-repository.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { PgEpochListing } from "../../src/db/epoch-listing.js";
import { EpochState, UINT64_MAX, computeWindows } from "../../src/domain/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { SETTINGS, T0, seedEpochs } from "../helpers/seed-epochs.js";

const { WORKER_SUBMISSION, REPUTER_SUBMISSION, COMPLETED } = EpochState;
const FILTERS: EpochFilter[] = [
  {},
  { topicId: 2n },
  { topicId: UINT64_MAX },
  { topicId: 4n },
  { states: [WORKER_SUBMISSION] },
  { states: [REPUTER_SUBMISSION, REPUTER_SUBMISSION] },
  { states: [WORKER_SUBMISSION, COMPLETED] },
  { states: [] },
  { topicId: UINT64_MAX, states: [REPUTER_SUBMISSION] },
  { topicId: 10n, states: [WORKER_SUBMISSION] },
];

const position = (e: EpochRecord): EpochPosition => ({ startAt: e.windows.workerOpenAt, topicId: e.topicId, nonce: e.nonce });

describe("PgEpochListing", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let listing: PgEpochListing;
  const repo = new EpochRepository();
  before(async () => {
    db = await createTestDatabase();
    await seedEpochs(db.prisma);
    // Ties on the start instant, between topics and within one, where text order ≠ numeric order
    // (stored 9 and 10 are −2^63 + 9 and −2^63 + 10: "…799" sorts after "…798" as text).
    const store = new LifecycleStore(db.prisma);
    const start = T0 + 3_600_000;
    for (const id of [9n, 10n]) {
      await store.topics.create(db.prisma, { id, ...SETTINGS });
      for (const nonce of [9n, 10n, 100n]) {
        await store.epochs.insert(db.prisma, { topicId: id, nonce, state: WORKER_SUBMISSION, windows: computeWindows(SETTINGS, start) });
      }
    }
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    listing = new PgEpochListing(pool);
  });
  after(async () => {
    await pool.end();
    await db.close();
  });

  it("pages every filter like the repository, keyset and ties included, with uint64 extremes exact", async () => {
    for (const filter of FILTERS) {
      let after: EpochPosition | undefined;
      let pages = 0;
      for (;;) {
        const expected = await repo.list(db.prisma, filter, { after, limit: 4 });
        const actual = await listing.list(filter, { after, limit: 4 });
        assert.deepEqual(actual, expected, `${JSON.stringify(filter, (_, v) => (typeof v === "bigint" ? String(v) : v))} page ${pages}`);
        pages++;
        if (actual.length < 4) break;
        after = position(actual.at(-1)!);
      }
      assert.equal(await listing.count(filter), await repo.count(db.prisma, filter));
    }
  });

  it("reuses its prepared statements (one per shape and connection: at most 12 listing and 6 count shapes)", async () => {
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'ew_%'`);
      assert.ok(rows[0]!.n > 0 && rows[0]!.n <= 18, `${rows[0]!.n} prepared statements on one connection`);
    } finally {
      client.release();
    }
  });
});
