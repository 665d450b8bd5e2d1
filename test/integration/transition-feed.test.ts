import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { TransitionLogRecord } from "../../src/app/records.js";
import { EpochTransition, SubscriberTooSlowError, TransitionSource } from "../../src/domain/index.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { PrismaSettledLogReader } from "../../src/db/settled-log-reader.js";
import { toStored } from "../../src/db/uint64-column.js";
import { startLiveTransitions, type LiveTransitions } from "../../src/pubsub/live-transitions.js";
import { comparePositions } from "../../src/pubsub/transition-feed.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { until } from "../helpers/until.js";

const settings = { epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 10 };

/** Takes n items from an async iterator, failing after a deadline instead of hanging. */
async function take<T>(it: AsyncIterator<T>, n: number, ms = 5000): Promise<T[]> {
  const out: T[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const left = deadline - Date.now();
    const r = await Promise.race([it.next(), new Promise<"timeout">((res) => setTimeout(() => res("timeout"), Math.max(left, 0)))]);
    if (r === "timeout") throw new Error(`timed out after ${out.length} of ${n} items`);
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe("transition feed", () => {
  let db: TestDatabase;
  let store: LifecycleStore;
  let live: LiveTransitions;
  before(async () => {
    db = await createTestDatabase();
    store = new LifecycleStore(db.prisma);
    live = await startLiveTransitions(db.url, new PrismaSettledLogReader(db.prisma), { pollIntervalMs: 200, bufferLimit: 1000 });
  });
  after(async () => {
    await live.stop();
    await db.close();
  });

  async function newEpoch() {
    const topic = await store.topics.create(db.prisma, settings);
    return (await store.startEpoch(topic!.id, Date.now(), TransitionSource.API)).epoch;
  }

  it("delivers committed transitions live, in log order", async () => {
    const sub = live.feed.subscribe(() => true, null);
    const e = await newEpoch();
    await store.applyTransition({ ...e, transition: EpochTransition.CLOSE_WORKER_WINDOW, source: TransitionSource.API, dueAt: null });
    const got = await take(sub, 2);
    assert.deepEqual(got.map((r) => r.transition), [EpochTransition.OPEN_WORKER_WINDOW, EpochTransition.CLOSE_WORKER_WINDOW]);
    await sub.return();
  });

  it("never lets a cursor pass a row that commits later with a smaller txid", async () => {
    const e = await newEpoch();
    await live.feed.sync();
    // Only the two rows below (the epoch's start row may still be unsettled behind another test file's transaction).
    const sub = live.feed.subscribe((r) => r.topicId === e.topicId && r.reason !== null, live.feed.head);
    const a = new pg.Client({ connectionString: db.url });
    await a.connect();
    const insert = `INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, source, reason)
      VALUES ($1, $2, 5, 1, 6, 1, $3)`;
    const params = (reason: string) => [toStored(e.topicId).toString(), toStored(e.nonce).toString(), reason];
    await a.query("BEGIN");
    await a.query(insert, params("first txid, commits last"));
    await db.prisma.$executeRawUnsafe(insert.replace("$1", `${toStored(e.topicId)}`).replace("$2", `${toStored(e.nonce)}`).replace("$3", "'second txid, commits first'"));
    await live.feed.sync(); // each sync is a read that starts after B committed
    await live.feed.sync();
    assert.equal(sub.size, 0, "B is held back behind A, whose txid is smaller");
    await a.query("COMMIT");
    await a.end();
    const got = await take(sub, 2);
    assert.deepEqual(got.map((r) => r.reason), ["first txid, commits last", "second txid, commits first"]);
    assert.ok(got[0]!.txid < got[1]!.txid);
    await sub.return();
  });

  it("replays exactly what came after a cursor, then continues live without a gap or duplicate", async () => {
    const e = await newEpoch();
    const steps = [EpochTransition.CLOSE_WORKER_WINDOW, EpochTransition.OPEN_REPUTER_WINDOW, EpochTransition.CLOSE_REPUTER_WINDOW];
    const records: TransitionLogRecord[] = [];
    for (const t of steps) records.push((await store.applyTransition({ ...e, transition: t, source: TransitionSource.API, dueAt: null })).record);
    await live.feed.sync();
    const sub = live.feed.subscribe((r) => r.topicId === e.topicId, { txid: records[0]!.txid, id: records[0]!.id });
    const replayed = await take(sub, 2);
    assert.deepEqual(replayed.map((r) => r.id), [records[1]!.id, records[2]!.id]);
    const last = await store.applyTransition({ ...e, transition: EpochTransition.COMPLETE, source: TransitionSource.API, dueAt: null });
    const liveOnes = await take(sub, 1);
    assert.deepEqual(liveOnes.map((r) => r.id), [last.record.id]);
    await sub.return();
  });

  it("reconnects its LISTEN connection when it is killed and keeps delivering", async () => {
    const listening: boolean[] = [];
    let notices = 0;
    // Rows held back by another test file's transaction wait for the fallback poll; notices are counted.
    const quiet = await startLiveTransitions(db.url, new PrismaSettledLogReader(db.prisma), {
      pollIntervalMs: 200,
      bufferLimit: 100,
      observer: { onNotice: () => notices++, onListening: (up) => listening.push(up) },
    });
    try {
      assert.deepEqual(listening, [true]);
      const sub = quiet.feed.subscribe(() => true, null);
      const killed = await db.prisma.$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'epoch-windows listen'`,
      );
      assert.equal(killed[0]!.n, 2, "this feed's and the suite's listener, found by their application_name");
      await until("the listener reconnects", () => listening.length === 3);
      assert.deepEqual(listening, [true, false, true]);
      notices = 0;
      const e = await newEpoch();
      await until("the commit's NOTIFY on the new connection", () => notices === 1, 8000);
      const got = await take(sub, 1, 8000);
      assert.equal(got[0]!.nonce, e.nonce);
      await sub.return();
    } finally {
      await quiet.stop();
    }
  });

  it("closes a subscriber that does not keep up, with a typed error", async () => {
    const small = await startLiveTransitions(db.url, new PrismaSettledLogReader(db.prisma), { pollIntervalMs: 200, bufferLimit: 3 });
    try {
      const sub = small.feed.subscribe(() => true, null);
      for (let i = 0; i < 5; i++) await newEpoch();
      // Rows become readable once every older transaction in the cluster has ended (other test
      // files run in parallel): wait until the feed has read all five, without consuming any.
      const last = (await store.log.list(db.prisma, {}, { limit: 1000 })).at(-1)!;
      const deadline = Date.now() + 10_000;
      while (!small.feed.head || comparePositions(small.feed.head, last) < 0) {
        assert.ok(Date.now() < deadline, "the feed never read the new rows");
        small.feed.wake();
        await new Promise((r) => setTimeout(r, 20));
      }
      await assert.rejects(take(sub, 10), SubscriberTooSlowError);
      assert.equal(small.feed.subscriberCount, 0);
    } finally {
      await small.stop();
    }
  });
});
