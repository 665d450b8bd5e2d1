/**
 * The commit notice the transition_record trigger sends: one per INSERT statement, naming the
 * distinct topics and the states touched, `*` for the topics when they would not fit in a NOTIFY.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { TRANSITIONS_CHANNEL } from "../../src/pubsub/live-transitions.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { until } from "../helpers/until.js";

describe("transition_record commit notices", () => {
  let db: TestDatabase;
  let writer: pg.Client;
  let listener: pg.Client;
  const payloads: string[] = [];

  before(async () => {
    db = await createTestDatabase();
    writer = new pg.Client({ connectionString: db.url });
    listener = new pg.Client({ connectionString: db.url });
    await Promise.all([writer.connect(), listener.connect()]);
    listener.on("notification", (m) => payloads.push(m.payload ?? ""));
    await listener.query(`LISTEN ${TRANSITIONS_CHANNEL}`);
    // Topics 1..10, 10^19 + 1..1000 (20 digits each: too many for one NOTIFY) and the largest uint64, one epoch each.
    await writer.query(`
      INSERT INTO topic (id, epoch_length, ground_truth_lag, worker_submission_window)
      SELECT u64_encode(g), 600, 600, 300 FROM (SELECT generate_series(1, 10)::numeric AS g
        UNION ALL SELECT 10000000000000000000 + generate_series(1, 1000) UNION ALL SELECT 18446744073709551615) s`);
    await writer.query(`
      INSERT INTO epoch (topic_id, nonce, state, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at)
      SELECT id, u64_encode(1), 1, now(), now(), now(), now() FROM topic`);
  });
  after(async () => {
    await Promise.all([writer.end(), listener.end()]);
    await db.close();
  });

  /** Inserts one log record per given topic (from → to) in one statement and returns the notices it caused. */
  async function insert(topics: string, from: number, to: number, extra = ""): Promise<string[]> {
    const start = payloads.length;
    await writer.query(`
      INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, source)
      SELECT topic_id, nonce, 1, ${from}, ${to}, 0 FROM epoch WHERE u64_decode(topic_id) IN (${topics}) ${extra}`);
    // A marker statement from another connection: once its notice is in, ours came before it.
    await writer.query(`SELECT pg_notify('${TRANSITIONS_CHANNEL}', 'marker')`);
    await until("the marker notice", () => payloads.slice(start).includes("marker"), 10_000);
    return payloads.slice(start).filter((p) => p !== "marker");
  }

  it("names the topics (as uint64) and the states of one statement, once", async () => {
    assert.deepEqual(await insert("7, 3, 18446744073709551615", 1, 2), ["v1;1,2;3,7,18446744073709551615"]);
  });

  it("aggregates a batch over topics and states per statement", async () => {
    const start = payloads.length;
    await writer.query(`
      INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, source)
      SELECT topic_id, nonce, t.tr, t.f, t.s, 0 FROM epoch,
        (VALUES (1, 1, 2), (2, 2, 3)) AS t(tr, f, s) WHERE u64_decode(topic_id) IN (5, 6)`);
    await writer.query(`SELECT pg_notify('${TRANSITIONS_CHANNEL}', 'marker')`);
    await until("the marker notice", () => payloads.slice(start).includes("marker"), 10_000);
    assert.deepEqual(payloads.slice(start, -1), ["v1;1,2,3;5,6"]);
  });

  it("lists as many topics as fit", async () => {
    const sent = await insert("SELECT 10000000000000000000 + generate_series(1, 300)", 3, 4);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.split(";")[2]!.split(",").length, 300);
  });

  it("says any topic (states still given) when the topics would not fit", async () => {
    const sent = await insert("SELECT 10000000000000000000 + generate_series(1, 1000)", 3, 4);
    assert.deepEqual(sent, ["v1;3,4;*"]);
  });

  it("sends nothing for a statement that inserted nothing", async () => {
    assert.deepEqual(await insert("1", 1, 2, "AND false"), []);
  });

  it("is delivered on commit only, one per statement", async () => {
    const start = payloads.length;
    await writer.query("BEGIN");
    await writer.query(`INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, source) SELECT topic_id, nonce, 1, 1, 2, 0 FROM epoch WHERE u64_decode(topic_id) = 8`);
    await writer.query(`INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, source) SELECT topic_id, nonce, 2, 2, 3, 0 FROM epoch WHERE u64_decode(topic_id) = 9`);
    await writer.query("ROLLBACK");
    await writer.query("BEGIN");
    await writer.query(`INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, source) SELECT topic_id, nonce, 1, 1, 2, 0 FROM epoch WHERE u64_decode(topic_id) = 8`);
    await writer.query(`INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, source) SELECT topic_id, nonce, 2, 2, 3, 0 FROM epoch WHERE u64_decode(topic_id) = 9`);
    await writer.query("COMMIT");
    await writer.query(`SELECT pg_notify('${TRANSITIONS_CHANNEL}', 'marker')`);
    await until("the marker notice", () => payloads.slice(start).includes("marker"), 10_000);
    assert.deepEqual(payloads.slice(start, -1), ["v1;1,2;8", "v1;2,3;9"]);
  });
});
