import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EpochState } from "../../src/domain/index.js";
import { toStored } from "../../src/db/uint64-column.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

/** The plan of a query as text (EXPLAIN, no ANALYZE: the plan is what we assert on). */
async function plan(db: TestDatabase, sql: string): Promise<string> {
  const rows = await db.prisma.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN ${sql}`);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

describe("index use with 100k epochs over 1k topics", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await db.prisma.$executeRawUnsafe(`
      INSERT INTO topic (id, epoch_length, ground_truth_lag, worker_submission_window)
      SELECT u64_encode(g), 60, 60, 10 FROM generate_series(1, 1000) g`);
    // 100 epochs per topic; about one in 25 has its worker window open.
    await db.prisma.$executeRawUnsafe(`
      INSERT INTO epoch (topic_id, nonce, state, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at)
      SELECT u64_encode(t), u64_encode((1::numeric * 72057594037927936) + n),
             CASE WHEN n % 25 = 0 THEN 1 ELSE (n % 7) END,
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
});
