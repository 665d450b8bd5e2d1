import type { NewTopic, TopicSchedule } from "../app/lifecycle-ports.js";
import type { TopicRecord } from "../app/records.js";
import { ConflictError, UINT64_MAX, nextNonce, type TopicSettings } from "../domain/index.js";
import { Prisma } from "../generated/prisma/client.js";
import type { DbTx } from "./prisma-client.js";
import { toTopicRecord, type TopicRow } from "./row-mappers.js";
import { TOPIC_COLUMNS } from "./sql-columns.js";
import { fromStored, toStored } from "./uint64-column.js";

export class TopicRepository {
  async get(db: DbTx, id: bigint, opts: { forUpdate?: boolean } = {}): Promise<TopicRecord | null> {
    const lock = opts.forUpdate ? Prisma.sql`FOR UPDATE` : Prisma.empty;
    const rows = await db.$queryRaw<TopicRow[]>`SELECT ${TOPIC_COLUMNS} FROM topic WHERE id = ${toStored(id)} ${lock}`;
    return rows[0] ? toTopicRecord(rows[0]) : null;
  }

  async getMany(db: DbTx, ids: readonly bigint[]): Promise<TopicRecord[]> {
    if (ids.length === 0) return [];
    const stored = ids.map(toStored);
    const rows = await db.$queryRaw<TopicRow[]>`SELECT ${TOPIC_COLUMNS} FROM topic WHERE id = ANY(${stored}::bigint[])`;
    return rows.map(toTopicRecord);
  }

  /** Inserts a topic; returns null when the id is taken. */
  async create(db: DbTx, topic: NewTopic): Promise<TopicRecord | null> {
    // An omitted id takes max + 1 under a lock so two concurrent creations cannot pick the same one.
    let id = topic.id;
    if (id === undefined) {
      await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('epoch_windows.topic_id'))`;
      const rows = await db.$queryRaw<{ max: bigint | null }[]>`SELECT max(id) AS max FROM topic`;
      const max = rows[0]?.max;
      if (max === null || max === undefined) id = 1n;
      else if (fromStored(max) < UINT64_MAX) id = fromStored(max) + 1n;
      else {
        // The largest id is taken: use the lowest gap instead.
        const gap = await db.$queryRaw<{ id: bigint | null }[]>`
          SELECT min(t.id) + 1 AS id FROM topic t
          WHERE t.id < ${toStored(UINT64_MAX)} AND NOT EXISTS (SELECT 1 FROM topic u WHERE u.id = t.id + 1)`;
        if (gap[0]?.id === null || gap[0]?.id === undefined) throw new ConflictError("every topic id is taken");
        id = fromStored(gap[0].id);
      }
    }
    const rows = await db.$queryRaw<TopicRow[]>`
      INSERT INTO topic (id, epoch_length, ground_truth_lag, worker_submission_window)
      VALUES (${toStored(id)}, ${topic.epochLength}, ${topic.groundTruthLag}, ${topic.workerSubmissionWindow})
      ON CONFLICT (id) DO NOTHING
      RETURNING ${TOPIC_COLUMNS}`;
    return rows[0] ? toTopicRecord(rows[0]) : null;
  }

  async updateSettings(db: DbTx, id: bigint, settings: TopicSettings): Promise<TopicRecord | null> {
    const rows = await db.$queryRaw<TopicRow[]>`
      UPDATE topic SET epoch_length = ${settings.epochLength}, ground_truth_lag = ${settings.groundTruthLag},
        worker_submission_window = ${settings.workerSubmissionWindow}, updated_at = now()
      WHERE id = ${toStored(id)} RETURNING ${TOPIC_COLUMNS}`;
    return rows[0] ? toTopicRecord(rows[0]) : null;
  }

  async setSchedule(db: DbTx, id: bigint, schedule: TopicSchedule): Promise<TopicRecord | null> {
    const anchor = schedule.active ? new Date(schedule.anchor) : null;
    const next = schedule.active ? new Date(schedule.nextStartAt) : null;
    const rows = await db.$queryRaw<TopicRow[]>`
      UPDATE topic SET active = ${schedule.active}, activated_at = ${anchor}::timestamptz, next_start_at = ${next}::timestamptz, updated_at = now()
      WHERE id = ${toStored(id)} RETURNING ${TOPIC_COLUMNS}`;
    return rows[0] ? toTopicRecord(rows[0]) : null;
  }

  /**
   * Allocate the topic's next nonce from its persisted counter (row-locked until the caller's
   * transaction ends), so nonces are never reused, even across restarts. Null when no such topic.
   */
  async allocateNonce(db: DbTx, id: bigint): Promise<{ topic: TopicRecord; nonce: bigint } | null> {
    const topic = await this.get(db, id, { forUpdate: true });
    if (!topic) return null;
    const nonce = nextNonce(topic.lastNonce);
    await db.$executeRaw`UPDATE topic SET last_nonce = ${toStored(nonce)} WHERE id = ${toStored(id)}`;
    return { topic: { ...topic, lastNonce: nonce }, nonce };
  }

  /** Topics by id ascending, keyset after `afterId`. */
  async list(db: DbTx, opts: { active?: boolean; afterId?: bigint; limit: number }): Promise<TopicRecord[]> {
    const conds: Prisma.Sql[] = [];
    if (opts.active !== undefined) conds.push(Prisma.sql`active = ${opts.active}`);
    if (opts.afterId !== undefined) conds.push(Prisma.sql`id > ${toStored(opts.afterId)}`);
    const where = conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
    const rows = await db.$queryRaw<TopicRow[]>`SELECT ${TOPIC_COLUMNS} FROM topic ${where} ORDER BY id LIMIT ${opts.limit}`;
    return rows.map(toTopicRecord);
  }

  async count(db: DbTx, opts: { active?: boolean }): Promise<number> {
    const where = opts.active === undefined ? Prisma.empty : Prisma.sql`WHERE active = ${opts.active}`;
    const rows = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM topic ${where}`;
    return Number(rows[0]?.n ?? 0n);
  }
}
