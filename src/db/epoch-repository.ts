import type { EpochFilter, EpochKey, EpochPosition, EpochRecord } from "../app/records.js";
import { EpochState, type EpochWindows } from "../domain/index.js";
import { Prisma } from "../generated/prisma/client.js";
import type { DbTx } from "./prisma-client.js";
import { toEpochRecord, type EpochRow } from "./row-mappers.js";
import { EPOCH_COLUMNS } from "./sql-columns.js";
import { epochLockKey } from "./epoch-lock.js";
import { fromStored, toStored } from "./uint64-column.js";

export class EpochRepository {
  /**
   * With `forUpdate`, row-locked until the transaction ends (concurrent writers queue behind it).
   * The epoch's advisory lock is taken first because, unlike a row lock, waiting for it does not
   * give the transaction an id: the waiter gets its id only after the holder committed, so the
   * transition log's (txid, id) order is each epoch's commit order. Call it before anything else
   * in the transaction writes or row-locks. (Scheduler batches never wait for a lock: they skip
   * rows locked by others, so they cannot invert that order either.)
   */
  async get(db: DbTx, key: EpochKey, opts: { forUpdate?: boolean } = {}): Promise<EpochRecord | null> {
    if (opts.forUpdate) {
      await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${epochLockKey(key)}, 0))`;
    }
    const lock = opts.forUpdate ? Prisma.sql`FOR UPDATE` : Prisma.empty;
    const rows = await db.$queryRaw<EpochRow[]>`
      SELECT ${EPOCH_COLUMNS} FROM epoch WHERE topic_id = ${toStored(key.topicId)} AND nonce = ${toStored(key.nonce)} ${lock}`;
    return rows[0] ? toEpochRecord(rows[0]) : null;
  }

  /** Several epochs in one statement (for batching nested GraphQL fields). */
  async getMany(db: DbTx, keys: readonly EpochKey[]): Promise<EpochRecord[]> {
    if (keys.length === 0) return [];
    const topics = keys.map((k) => toStored(k.topicId));
    const nonces = keys.map((k) => toStored(k.nonce));
    const rows = await db.$queryRaw<EpochRow[]>`
      SELECT ${EPOCH_COLUMNS} FROM epoch
      WHERE (topic_id, nonce) IN (SELECT * FROM unnest(${topics}::bigint[], ${nonces}::bigint[]))`;
    return rows.map(toEpochRecord);
  }

  async insert(db: DbTx, epoch: EpochKey & { state: EpochState; windows: EpochWindows }): Promise<EpochRecord> {
    const w = epoch.windows;
    const rows = await db.$queryRaw<EpochRow[]>`
      INSERT INTO epoch (topic_id, nonce, state, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at)
      VALUES (${toStored(epoch.topicId)}, ${toStored(epoch.nonce)}, ${epoch.state}, ${new Date(w.workerOpenAt)},
              ${new Date(w.workerCloseAt)}, ${new Date(w.reputerOpenAt)}, ${new Date(w.reputerCloseAt)})
      RETURNING ${EPOCH_COLUMNS}`;
    return toEpochRecord(rows[0]!);
  }

  /** Newest first: (workerOpenAt, topicId, nonce) descending, keyset after `after`. */
  async list(db: DbTx, filter: EpochFilter, page: { after?: EpochPosition; limit: number }): Promise<EpochRecord[]> {
    const conds = filterConditions(filter);
    if (page.after) {
      const a = page.after;
      conds.push(Prisma.sql`(worker_open_at, topic_id, nonce) < (${new Date(a.startAt)}, ${toStored(a.topicId)}, ${toStored(a.nonce)})`);
    }
    const where = conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
    const rows = await db.$queryRaw<EpochRow[]>`
      SELECT ${EPOCH_COLUMNS} FROM epoch ${where}
      ORDER BY worker_open_at DESC, topic_id DESC, nonce DESC LIMIT ${page.limit}`;
    return rows.map(toEpochRecord);
  }

  async count(db: DbTx, filter: EpochFilter): Promise<number> {
    const conds = filterConditions(filter);
    const where = conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
    const rows = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM epoch ${where}`;
    return Number(rows[0]?.n ?? 0n);
  }

  async countByState(db: DbTx, topicId?: bigint): Promise<Map<EpochState, number>> {
    const where = topicId === undefined ? Prisma.empty : Prisma.sql`WHERE topic_id = ${toStored(topicId)}`;
    const rows = await db.$queryRaw<{ state: number; n: bigint }[]>`
      SELECT state, count(*) AS n FROM epoch ${where} GROUP BY state`;
    return new Map(rows.map((r) => [r.state as EpochState, Number(r.n)]));
  }

  /** The first `limit` epochs of each topic, newest first, after an optional position, in one statement. */
  async listForTopics(db: DbTx, topicIds: readonly bigint[], states: readonly EpochState[] | undefined, page: { after?: EpochPosition; limit: number }): Promise<EpochRecord[]> {
    if (topicIds.length === 0) return [];
    const conds = filterConditions({ states });
    if (page.after) {
      const a = page.after;
      conds.push(Prisma.sql`(e.worker_open_at, e.topic_id, e.nonce) < (${new Date(a.startAt)}, ${toStored(a.topicId)}, ${toStored(a.nonce)})`);
    }
    const extra = conds.length ? Prisma.sql`AND ${Prisma.join(conds, " AND ")}` : Prisma.empty;
    const rows = await db.$queryRaw<EpochRow[]>`
      SELECT r.* FROM unnest(${topicIds.map(toStored)}::bigint[]) AS k(tid)
      CROSS JOIN LATERAL (
        SELECT ${prefixed("e", EPOCH_COLUMNS)} FROM epoch e
        WHERE e.topic_id = k.tid ${extra}
        ORDER BY e.worker_open_at DESC, e.topic_id DESC, e.nonce DESC LIMIT ${page.limit}
      ) r`;
    return rows.map(toEpochRecord);
  }

  /** Epoch counts per topic (topics without matching epochs are absent). */
  async countForTopics(db: DbTx, topicIds: readonly bigint[], states: readonly EpochState[] | undefined): Promise<Map<bigint, number>> {
    if (topicIds.length === 0) return new Map();
    const conds = [Prisma.sql`topic_id = ANY(${topicIds.map(toStored)}::bigint[])`, ...filterConditions({ states })];
    const rows = await db.$queryRaw<{ topic_id: bigint; n: bigint }[]>`
      SELECT topic_id, count(*) AS n FROM epoch WHERE ${Prisma.join(conds, " AND ")} GROUP BY topic_id`;
    return new Map(rows.map((r) => [fromStored(r.topic_id), Number(r.n)]));
  }

  /**
   * Of the given epochs, those in REPUTER_SUBMISSION with an older epoch of the same topic
   * (earlier start, or the same start and a smaller nonce) also in REPUTER_SUBMISSION. One probe of
   * epoch_by_state_and_topic per key.
   */
  async reputerOverlaps(db: DbTx, keys: readonly EpochKey[]): Promise<EpochKey[]> {
    if (keys.length === 0) return [];
    const topics = keys.map((k) => toStored(k.topicId));
    const nonces = keys.map((k) => toStored(k.nonce));
    const rows = await db.$queryRaw<{ topic_id: bigint; nonce: bigint }[]>`
      SELECT e.topic_id, e.nonce FROM epoch e
      WHERE (e.topic_id, e.nonce) IN (SELECT * FROM unnest(${topics}::bigint[], ${nonces}::bigint[]))
        AND e.state = ${EpochState.REPUTER_SUBMISSION}::smallint
        AND EXISTS (
          SELECT 1 FROM epoch o
          WHERE o.state = ${EpochState.REPUTER_SUBMISSION}::smallint AND o.topic_id = e.topic_id
            AND (o.worker_open_at, o.nonce) < (e.worker_open_at, e.nonce))`;
    return rows.map((r) => ({ topicId: fromStored(r.topic_id), nonce: fromStored(r.nonce) }));
  }

  /** Keys of the topic's epochs that are not COMPLETED or CANCELLED. */
  async liveKeys(db: DbTx, topicId: bigint): Promise<EpochKey[]> {
    const rows = await db.$queryRaw<EpochRow[]>`
      SELECT ${EPOCH_COLUMNS} FROM epoch WHERE topic_id = ${toStored(topicId)} AND state < 5 ORDER BY nonce`;
    return rows.map(toEpochRecord).map(({ topicId: t, nonce }) => ({ topicId: t, nonce }));
  }
}

function filterConditions(filter: EpochFilter): Prisma.Sql[] {
  const conds: Prisma.Sql[] = [];
  if (filter.topicId !== undefined) conds.push(Prisma.sql`topic_id = ${toStored(filter.topicId)}`);
  if (filter.states !== undefined) {
    const states = [...new Set(filter.states)];
    // One state compares with `=` so the planner uses the state-leading indexes directly.
    if (states.length === 1) conds.push(Prisma.sql`state = ${states[0]}::smallint`);
    else conds.push(Prisma.sql`state = ANY(${states}::smallint[])`);
  }
  return conds;
}

/** A column list qualified with a table alias (for lateral joins). */
function prefixed(alias: string, columns: Prisma.Sql): Prisma.Sql {
  return Prisma.raw(columns.sql.split(", ").map((c) => `${alias}.${c}`).join(", "));
}
