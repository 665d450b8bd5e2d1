/** Epochs: statements from src/db/sql/epochs.ts, run on Prisma (a client or a transaction). */
import type { EpochFilter, EpochKey, EpochPosition, EpochRecord } from "../app/records.js";
import type { EpochState, EpochWindows } from "../domain/index.js";
import type { DbTx } from "./prisma-client.js";
import * as sql from "./sql/epochs.js";
import { execute, queryRows } from "./sql/statement.js";
import { uint64Of } from "./sql/values.js";

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
    if (opts.forUpdate) await execute(db, sql.lockEpoch(key));
    const rows = await queryRows(db, sql.getEpoch(key, opts.forUpdate ?? false));
    return rows[0] ? sql.toEpochRecord(rows[0]) : null;
  }

  /** Several epochs in one statement (for batching nested GraphQL fields). */
  async getMany(db: DbTx, keys: readonly EpochKey[]): Promise<EpochRecord[]> {
    if (keys.length === 0) return [];
    return (await queryRows(db, sql.getEpochs(keys))).map(sql.toEpochRecord);
  }

  async insert(db: DbTx, epoch: EpochKey & { state: EpochState; windows: EpochWindows }): Promise<EpochRecord> {
    const rows = await queryRows(db, sql.insertEpoch(epoch));
    return sql.toEpochRecord(rows[0]!);
  }

  /** Newest first: (workerOpenAt, topicId, nonce) descending, keyset after `after`. */
  async list(db: DbTx, filter: EpochFilter, page: { after?: EpochPosition; limit: number }): Promise<EpochRecord[]> {
    return (await queryRows(db, sql.listStatement(filter, page))).map(sql.toEpochRecord);
  }

  async count(db: DbTx, filter: EpochFilter): Promise<number> {
    const rows = await queryRows(db, sql.countStatement(filter));
    return Number(rows[0]?.n ?? 0);
  }

  async countByState(db: DbTx, topicId?: bigint): Promise<Map<EpochState, number>> {
    const rows = await queryRows(db, sql.countByState(topicId));
    return new Map(rows.map((r) => [Number(r.state) as EpochState, Number(r.n)]));
  }

  /** The first `limit` epochs of each topic, newest first, after an optional position, in one statement. */
  async listForTopics(db: DbTx, topicIds: readonly bigint[], states: readonly EpochState[] | undefined, page: { after?: EpochPosition; limit: number }): Promise<EpochRecord[]> {
    if (topicIds.length === 0) return [];
    return (await queryRows(db, sql.listForTopics(topicIds, states, page))).map(sql.toEpochRecord);
  }

  /** Epoch counts per topic (topics without matching epochs are absent). */
  async countForTopics(db: DbTx, topicIds: readonly bigint[], states: readonly EpochState[] | undefined): Promise<Map<bigint, number>> {
    if (topicIds.length === 0) return new Map();
    const rows = await queryRows(db, sql.countForTopics(topicIds, states));
    return new Map(rows.map((r) => [uint64Of(r.topic_text), Number(r.n)]));
  }

  /** Of the given epochs, those whose reputer window overlaps an older one's (sql.reputerOverlaps). */
  async reputerOverlaps(db: DbTx, keys: readonly EpochKey[]): Promise<EpochKey[]> {
    if (keys.length === 0) return [];
    return (await queryRows(db, sql.reputerOverlaps(keys))).map(sql.toEpochKey);
  }

  /** Keys of the topic's epochs that are not COMPLETED or CANCELLED. */
  async liveKeys(db: DbTx, topicId: bigint): Promise<EpochKey[]> {
    return (await queryRows(db, sql.liveKeys(topicId))).map(sql.toEpochKey);
  }
}
