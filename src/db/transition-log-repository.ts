/** The transition log: statements from src/db/sql/transition-log.ts, run on Prisma. */
import type { LogFilter } from "../app/read-model.js";
import type { EpochKey, TransitionLogRecord } from "../app/records.js";
import type { DbTx } from "./prisma-client.js";
import * as sql from "./sql/transition-log.js";
import { queryRows } from "./sql/statement.js";

export class TransitionLogRepository {
  /**
   * The log oldest first, by (txid, id), keyset after `after`. With `settled`, only records of
   * transactions older than every running one: a transaction with a smaller txid may still commit,
   * and a reader paging by cursor must not have passed its position when it does.
   */
  async list(db: DbTx, filter: LogFilter, page: sql.LogPage): Promise<TransitionLogRecord[]> {
    return (await queryRows(db, sql.listLog(filter, page))).map(sql.toTransitionLogRecord);
  }

  /** Records by id (node lookups), in no particular order. */
  async getMany(db: DbTx, ids: readonly bigint[]): Promise<TransitionLogRecord[]> {
    if (ids.length === 0) return [];
    return (await queryRows(db, sql.getLogRecords(ids))).map(sql.toTransitionLogRecord);
  }

  /** The first `limit` records of each epoch (after an optional position), in one statement. */
  async listForEpochs(db: DbTx, keys: readonly EpochKey[], page: sql.LogPage): Promise<TransitionLogRecord[]> {
    if (keys.length === 0) return [];
    return (await queryRows(db, sql.listLogForEpochs(keys, page))).map(sql.toTransitionLogRecord);
  }
}
