import type { EpochFilter, EpochKey, EpochPosition, EpochRecord } from "../app/records.js";
import type { EpochState, EpochWindows } from "../domain/index.js";
import { Prisma } from "../generated/prisma/client.js";
import type { DbTx } from "./prisma-client.js";
import { toEpochRecord, type EpochRow } from "./row-mappers.js";
import { EPOCH_COLUMNS } from "./sql-columns.js";
import { toStored } from "./uint64-column.js";

export class EpochRepository {
  async get(db: DbTx, key: EpochKey): Promise<EpochRecord | null> {
    const rows = await db.$queryRaw<EpochRow[]>`
      SELECT ${EPOCH_COLUMNS} FROM epoch WHERE topic_id = ${toStored(key.topicId)} AND nonce = ${toStored(key.nonce)}`;
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

  /**
   * Move an epoch to `to` if its version is still `expectedVersion`. Null when another transition
   * got there first (the caller turns that into a ConflictError). The row lock taken here makes
   * concurrent writers wait and then see the new version.
   */
  async updateState(db: DbTx, key: EpochKey, expectedVersion: number, to: EpochState): Promise<EpochRecord | null> {
    const rows = await db.$queryRaw<EpochRow[]>`
      UPDATE epoch SET state = ${to}, version = version + 1, updated_at = now()
      WHERE topic_id = ${toStored(key.topicId)} AND nonce = ${toStored(key.nonce)} AND version = ${expectedVersion}
      RETURNING ${EPOCH_COLUMNS}`;
    return rows[0] ? toEpochRecord(rows[0]) : null;
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
