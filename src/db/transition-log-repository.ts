import type { EpochKey, LogPosition, TransitionLogRecord } from "../app/records.js";
import type { LogFilter } from "../app/read-model.js";
import { Prisma } from "../generated/prisma/client.js";
import type { DbTx } from "./prisma-client.js";
import { toTransitionLogRecord, type TransitionRow } from "./row-mappers.js";
import { TRANSITION_COLUMNS } from "./sql-columns.js";
import { toStored } from "./uint64-column.js";

/** The oldest running transaction id: every txid below it is committed or aborted for good. */
const SETTLED_HORIZON = Prisma.sql`pg_snapshot_xmin(pg_current_snapshot())::text::bigint`;

export class TransitionLogRepository {
  /**
   * The log oldest first, by (txid, id), keyset after `after`. With `settled`, only records of
   * transactions older than every running one: a transaction with a smaller txid may still commit,
   * and a reader paging by cursor must not have passed its position when it does.
   */
  async list(db: DbTx, filter: LogFilter, page: { after?: LogPosition; limit: number; settled?: boolean }): Promise<TransitionLogRecord[]> {
    const conds: Prisma.Sql[] = [];
    if (filter.topicId !== undefined) conds.push(Prisma.sql`topic_id = ${toStored(filter.topicId)}`);
    if (filter.nonce !== undefined) conds.push(Prisma.sql`nonce = ${toStored(filter.nonce)}`);
    if (page.after) conds.push(Prisma.sql`(txid, id) > (${page.after.txid}, ${page.after.id})`);
    if (page.settled) conds.push(Prisma.sql`txid < ${SETTLED_HORIZON}`);
    const where = conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
    const rows = await db.$queryRaw<TransitionRow[]>`
      SELECT ${TRANSITION_COLUMNS} FROM transition_record ${where} ORDER BY txid, id LIMIT ${page.limit}`;
    return rows.map(toTransitionLogRecord);
  }

  /** Records by id (node lookups), in no particular order. */
  async getMany(db: DbTx, ids: readonly bigint[]): Promise<TransitionLogRecord[]> {
    if (ids.length === 0) return [];
    const rows = await db.$queryRaw<TransitionRow[]>`
      SELECT ${TRANSITION_COLUMNS} FROM transition_record WHERE id = ANY(${ids.map(String)}::bigint[])`;
    return rows.map(toTransitionLogRecord);
  }

  /** The first `limit` records of each epoch (after an optional position), in one statement. */
  async listForEpochs(db: DbTx, keys: readonly EpochKey[], page: { after?: LogPosition; limit: number; settled?: boolean }): Promise<TransitionLogRecord[]> {
    if (keys.length === 0) return [];
    const topics = keys.map((k) => toStored(k.topicId));
    const nonces = keys.map((k) => toStored(k.nonce));
    const afterCond = page.after ? Prisma.sql`AND (t.txid, t.id) > (${page.after.txid}, ${page.after.id})` : Prisma.empty;
    const after = page.settled ? Prisma.sql`${afterCond} AND t.txid < ${SETTLED_HORIZON}` : afterCond;
    const rows = await db.$queryRaw<TransitionRow[]>`
      SELECT r.* FROM unnest(${topics}::bigint[], ${nonces}::bigint[]) AS k(topic_id, nonce)
      CROSS JOIN LATERAL (
        SELECT ${Prisma.raw(TRANSITION_COLUMNS.sql.split(", ").map((c) => `t.${c}`).join(", "))}
        FROM transition_record t
        WHERE t.topic_id = k.topic_id AND t.nonce = k.nonce ${after}
        ORDER BY t.txid, t.id LIMIT ${page.limit}
      ) r`;
    return rows.map(toTransitionLogRecord);
  }
}
