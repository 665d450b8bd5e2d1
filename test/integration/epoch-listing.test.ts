/**
 * The listing (src/db/epoch-listing.ts) answers NEWEST_FIRST exactly as the repository does, and
 * every order and filter as a sort of all rows in memory, over `pg` and over Prisma alike.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { EpochFilter, EpochPosition, EpochRecord, EpochSort } from "../../src/app/records.js";
import { EpochRepository } from "../../src/db/epoch-repository.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { EpochListing } from "../../src/db/epoch-listing.js";
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

describe("EpochListing", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let listing: EpochListing;
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
    listing = EpochListing.overPool(pool);
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

  const SORTS: EpochSort[] = ["NEWEST_FIRST", "OLDEST_FIRST", "WORKER_CLOSE_SOONEST", "REPUTER_CLOSE_SOONEST"];
  const instant: Record<EpochSort, (e: EpochRecord) => number> = {
    NEWEST_FIRST: (e) => e.windows.workerOpenAt,
    OLDEST_FIRST: (e) => e.windows.workerOpenAt,
    WORKER_CLOSE_SOONEST: (e) => e.windows.workerCloseAt,
    REPUTER_CLOSE_SOONEST: (e) => e.windows.reputerCloseAt,
  };
  const cmp = (a: bigint | number, b: bigint | number) => (a < b ? -1 : a > b ? 1 : 0);
  /** The order written out in TypeScript: instant, topicId, nonce, all in the sort's direction. */
  function sorted(rows: EpochRecord[], sort: EpochSort): EpochRecord[] {
    const sign = sort === "NEWEST_FIRST" ? -1 : 1;
    return [...rows].sort((a, b) => sign * (cmp(instant[sort](a), instant[sort](b)) || cmp(a.topicId, b.topicId) || cmp(a.nonce, b.nonce)));
  }
  function matches(e: EpochRecord, f: EpochFilter): boolean {
    const w = e.windows;
    return (
      (f.topicId === undefined || e.topicId === f.topicId) &&
      (f.topicIds === undefined || f.topicIds.includes(e.topicId)) &&
      (f.states === undefined || f.states.includes(e.state)) &&
      (f.workerOpensAfter === undefined || w.workerOpenAt >= f.workerOpensAfter) &&
      (f.workerOpensBefore === undefined || w.workerOpenAt < f.workerOpensBefore) &&
      (f.reputerClosesAfter === undefined || w.reputerCloseAt >= f.reputerClosesAfter) &&
      (f.reputerClosesBefore === undefined || w.reputerCloseAt < f.reputerClosesBefore)
    );
  }

  it("pages every order and filter (topicIds and time ranges included) like a sort in memory", async () => {
    const all = await repo.list(db.prisma, {}, { limit: 10_000 });
    const filters: EpochFilter[] = [
      ...FILTERS,
      { topicIds: [2n, UINT64_MAX, 10n, 9n, 2n] },
      { topicIds: [] },
      { topicIds: [1n, 3n], states: [REPUTER_SUBMISSION] },
      { topicIds: [1n, 3n], topicId: 3n },
      { workerOpensAfter: T0 + 120_000, workerOpensBefore: T0 + 300_000 },
      { reputerClosesAfter: T0 + 200_000, reputerClosesBefore: T0 + 500_000 },
      { reputerClosesBefore: T0 + 400_000, states: [COMPLETED, REPUTER_SUBMISSION] },
      { workerOpensAfter: T0 + 60_000, topicIds: [9n, 10n, 1n] },
    ];
    for (const sort of SORTS) {
      for (const filter of filters) {
        const expected = sorted(all.filter((e) => matches(e, filter)), sort);
        for (const [name, l] of [["pg", listing]] as const) {
          const seen: EpochRecord[] = [];
          let after: EpochPosition | undefined;
          for (let guard = 0; guard < 100; guard++) {
            const page = await l.list(filter, { after, limit: 3, sort });
            seen.push(...page);
            if (page.length < 3) break;
            const last = page.at(-1)!;
            after = { startAt: instant[sort](last), topicId: last.topicId, nonce: last.nonce };
          }
          const label = `${name} ${sort} ${JSON.stringify(filter, (_, v) => (typeof v === "bigint" ? String(v) : v))}`;
          assert.deepEqual(seen, expected, label);
          assert.equal(await l.count(filter), expected.length, label);
        }
      }
    }
  });

  it("reuses its prepared statements (one per shape and connection)", async () => {
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'ew_%'`);
      // Shapes, not values, and only the hot ones (no topicIds or time ranges): 4 orders × (topic?) ×
      // (states: none, one, several) × (cursor?) listings and 6 counts at most.
      assert.ok(rows[0]!.n > 0 && rows[0]!.n <= 4 * 2 * 3 * 2 + 6, `${rows[0]!.n} prepared statements on one connection`);
    } finally {
      client.release();
    }
  });
});
