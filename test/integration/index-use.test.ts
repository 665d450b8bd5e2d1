import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EpochState } from "../../src/domain/index.js";
import type { SortedEpochPage } from "../../src/app/read-model.js";
import type { EpochFilter } from "../../src/app/records.js";
import { listStatement } from "../../src/db/sql/epochs.js";
import { toStored } from "../../src/db/uint64-column.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

/** The plan of a query as text (EXPLAIN, no ANALYZE: the plan is what we assert on). */
async function plan(db: TestDatabase, sql: string): Promise<string> {
  const rows = await db.prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN ${sql}`);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** The plan of the listing's own statement (src/db/sql/epochs.ts), with its parameters bound. */
async function listingPlan(db: TestDatabase, filter: EpochFilter, page: Omit<SortedEpochPage, "limit">): Promise<string> {
  const s = listStatement(filter, { ...page, limit: 51 });
  const rows = await db.prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN ${s.text}`, ...s.values);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** Served by `index` in the requested order: no sequential scan and no sort of what the index read. */
function assertServedBy(p: string, index: string): void {
  assert.match(p, new RegExp(`Index (Only )?Scan (Backward )?using ${index} |Bitmap Index Scan on ${index}\\b`), p);
  assert.doesNotMatch(p, /Seq Scan/, p);
}

const T = Date.parse("2026-01-01T00:00:00Z");
const { WORKER_SUBMISSION: WS, REPUTER_SUBMISSION: RS } = EpochState;

describe("index use with 100k epochs over 1k topics", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await db.prisma.$executeRawUnsafe(`
      INSERT INTO topic (id, epoch_length, ground_truth_lag, worker_submission_window)
      SELECT u64_encode(g), 60, 60, 10 FROM generate_series(1, 1000) g`);
    // 100 epochs per topic; about one in 25 has its worker window open, one in 25 its reputer
    // window (as where history dwarfs what is open), the rest in the other states.
    await db.prisma.$executeRawUnsafe(`
      INSERT INTO epoch (topic_id, nonce, state, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at)
      SELECT u64_encode(t), u64_encode((1::numeric * 72057594037927936) + n),
             CASE WHEN n % 25 = 0 THEN 1 WHEN n % 25 = 1 THEN 3 ELSE (ARRAY[0, 2, 4, 5, 6])[1 + n % 5] END,
             ts, ts + interval '10 s', ts + interval '60 s', ts + interval '120 s'
      FROM generate_series(1, 1000) t, generate_series(1, 100) n,
           LATERAL (SELECT timestamptz '2026-01-01' + (n * interval '60 s') AS ts) x`);
    await db.prisma.$executeRawUnsafe(`ANALYZE epoch`);
  });
  after(() => db.close());

  it("has the rows", async () => {
    const rows = await db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM epoch`;
    assert.equal(rows[0]?.n, 100_000n);
  });

  it("lists WORKER_SUBMISSION epochs globally through the ByState index", async () => {
    const p = await plan(db, `SELECT * FROM epoch WHERE state = ${EpochState.WORKER_SUBMISSION}
      ORDER BY worker_open_at DESC, topic_id DESC, nonce DESC LIMIT 51`);
    assert.match(p, /Index Scan using epoch_by_state /);
    assert.doesNotMatch(p, /Seq Scan/);
  });

  it("lists WORKER_SUBMISSION epochs of one topic through the ByStateAndTopic index", async () => {
    const p = await plan(db, `SELECT * FROM epoch WHERE state = ${EpochState.WORKER_SUBMISSION} AND topic_id = ${toStored(500n)}
      ORDER BY worker_open_at DESC, topic_id DESC, nonce DESC LIMIT 51`);
    // With ~18 matching rows the planner may prefer a bitmap scan of the same index.
    assert.match(p, /(Index Scan|Bitmap Index Scan) on epoch_by_state_and_topic|Index Scan using epoch_by_state_and_topic /);
    assert.doesNotMatch(p, /Seq Scan/);
  });

  it("continues after a keyset cursor through the same index", async () => {
    const p = await plan(db, `SELECT * FROM epoch WHERE state = 1
      AND (worker_open_at, topic_id, nonce) < (timestamptz '2026-01-01 01:00', ${toStored(500n)}, 0)
      ORDER BY worker_open_at DESC, topic_id DESC, nonce DESC LIMIT 51`);
    assert.match(p, /Index Scan using epoch_by_state /);
  });

  describe("every listing order (issue 15), as the listing writes it", () => {
    const cursor = { startAt: T + 3_000_000, topicId: 500n, nonce: 0n };
    const noSort = (p: string) => assert.doesNotMatch(p, /Sort Key|Incremental Sort/, p);

    it("OLDEST_FIRST reads the start indexes backward, globally, per state and per topic", async () => {
      let p = await listingPlan(db, { states: [WS] }, { sort: "OLDEST_FIRST" });
      assertServedBy(p, "epoch_by_state");
      noSort(p);
      p = await listingPlan(db, { states: [RS], topicId: 500n }, { sort: "OLDEST_FIRST", after: cursor });
      assertServedBy(p, "epoch_by_state_and_topic");
      p = await listingPlan(db, {}, { sort: "OLDEST_FIRST", after: cursor });
      assertServedBy(p, "epoch_by_start");
      noSort(p);
    });

    it("CLOSING_SOONEST of open worker windows uses epoch_by_state_worker_close, continuing after a cursor", async () => {
      for (const after of [undefined, cursor]) {
        const p = await listingPlan(db, { states: [WS] }, { sort: "WORKER_CLOSE_SOONEST", after });
        assertServedBy(p, "epoch_by_state_worker_close");
        noSort(p);
      }
    });

    it("CLOSING_SOONEST of one topic's open worker windows reads its few rows through epoch_by_state_and_topic", async () => {
      const p = await listingPlan(db, { states: [WS], topicId: 500n }, { sort: "WORKER_CLOSE_SOONEST" });
      assertServedBy(p, "epoch_by_state_and_topic");
    });

    it("CLOSING_SOONEST of open reputer windows is served by a reputer-close index, no sort", async () => {
      for (const after of [undefined, cursor]) {
        // Either index gives the order without a sort; which one the planner takes depends on the
        // sampled statistics (the state index, or the global close index filtered by state).
        const p = await listingPlan(db, { states: [RS] }, { sort: "REPUTER_CLOSE_SOONEST", after });
        assert.match(p, /using epoch_by_state_reputer_close |using epoch_by_reputer_close /, p);
        noSort(p);
      }
    });

    it("CLOSING_SOONEST of all epochs uses epoch_by_reputer_close globally and epoch_by_topic_reputer_close per topic", async () => {
      let p = await listingPlan(db, {}, { sort: "REPUTER_CLOSE_SOONEST", after: cursor });
      assertServedBy(p, "epoch_by_reputer_close");
      noSort(p);
      p = await listingPlan(db, { topicId: 700n }, { sort: "REPUTER_CLOSE_SOONEST" });
      assertServedBy(p, "epoch_by_topic_reputer_close");
    });

    it("a topicIds filter probes each topic's index (at most |topicIds| × limit rows to merge)", async () => {
      const topicIds = [3n, 300n, 900n];
      assertServedBy(await listingPlan(db, { topicIds }, { sort: "NEWEST_FIRST" }), "epoch_by_topic_start");
      assertServedBy(await listingPlan(db, { topicIds }, { sort: "OLDEST_FIRST", after: cursor }), "epoch_by_topic_start");
      assertServedBy(await listingPlan(db, { topicIds }, { sort: "REPUTER_CLOSE_SOONEST" }), "epoch_by_topic_reputer_close");
      assertServedBy(await listingPlan(db, { topicIds, states: [RS] }, { sort: "NEWEST_FIRST" }), "epoch_by_state_and_topic");
    });

    it("time ranges bound the scan of the index of the order", async () => {
      const range = { workerOpensAfter: T + 3_000_000, workerOpensBefore: T + 3_600_000 };
      let p = await listingPlan(db, range, { sort: "NEWEST_FIRST" });
      assertServedBy(p, "epoch_by_start");
      assert.match(p, /Index Cond: \(\(worker_open_at >= /, p);
      p = await listingPlan(db, { reputerClosesAfter: T + 3_000_000, reputerClosesBefore: T + 3_600_000 }, { sort: "REPUTER_CLOSE_SOONEST" });
      assertServedBy(p, "epoch_by_reputer_close");
      assert.match(p, /Index Cond: \(\(reputer_close_at >= /, p);
      // A reputer range in start order: bounded through worker_open_at < reputerClosesBefore.
      p = await listingPlan(db, { reputerClosesBefore: T + 600_000 }, { sort: "NEWEST_FIRST" });
      assertServedBy(p, "epoch_by_start");
      assert.match(p, /Index Cond: \(worker_open_at < /, p);
    });
  });
});
