/**
 * Topics through Prisma's typed model API (plain CRUD reads better that way); the two things it
 * cannot say are SQL: the row lock of a command's read, and picking the next free id under a lock.
 */
import type { NewTopic, TopicSchedule } from "../app/lifecycle-ports.js";
import type { TopicRecord } from "../app/records.js";
import { ConflictError, UINT64_MAX, nextNonce, type TopicSettings } from "../domain/index.js";
import type { Topic } from "../generated/prisma/client.js";
import type { DbTx } from "./prisma-client.js";
import * as sql from "./sql/topics.js";
import { execute, queryRows } from "./sql/statement.js";
import { uint64Of } from "./sql/values.js";
import { fromStored, toStored } from "./uint64-column.js";

export function toTopicRecord(t: Topic): TopicRecord {
  return {
    id: fromStored(t.id),
    epochLength: t.epochLength,
    groundTruthLag: t.groundTruthLag,
    workerSubmissionWindow: t.workerSubmissionWindow,
    active: t.active,
    activatedAt: t.activatedAt,
    lastNonce: t.lastNonce === null ? null : fromStored(t.lastNonce),
    missedStarts: t.missedStarts,
    nextStartAt: t.nextStartAt,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

export class TopicRepository {
  /** With `forUpdate`, row-locked until the transaction ends (a command's read before it decides). */
  async get(db: DbTx, id: bigint, opts: { forUpdate?: boolean } = {}): Promise<TopicRecord | null> {
    if (opts.forUpdate) {
      const locked = await queryRows(db, sql.lockTopic(id));
      if (locked.length === 0) return null;
    }
    const topic = await db.topic.findUnique({ where: { id: toStored(id) } });
    return topic && toTopicRecord(topic);
  }

  async getMany(db: DbTx, ids: readonly bigint[]): Promise<TopicRecord[]> {
    if (ids.length === 0) return [];
    const topics = await db.topic.findMany({ where: { id: { in: ids.map(toStored) } } });
    return topics.map(toTopicRecord);
  }

  /** Inserts a topic; returns null when the id is taken. */
  async create(db: DbTx, topic: NewTopic): Promise<TopicRecord | null> {
    const id = topic.id ?? (await this.nextFreeId(db));
    const { epochLength, groundTruthLag, workerSubmissionWindow } = topic;
    // createMany's skipDuplicates is ON CONFLICT DO NOTHING: a taken id is not an error here.
    const { count } = await db.topic.createMany({ data: [{ id: toStored(id), epochLength, groundTruthLag, workerSubmissionWindow }], skipDuplicates: true });
    return count === 1 ? this.get(db, id) : null;
  }

  /** max + 1 (or the lowest gap once 2^64 − 1 is taken), under a lock so concurrent creations differ. */
  private async nextFreeId(db: DbTx): Promise<bigint> {
    await execute(db, sql.lockTopicIds());
    const { _max } = await db.topic.aggregate({ _max: { id: true } });
    if (_max.id === null) return 1n;
    if (fromStored(_max.id) < UINT64_MAX) return fromStored(_max.id) + 1n;
    const [gap] = await queryRows(db, sql.lowestGap());
    if (gap?.id === null || gap?.id === undefined) throw new ConflictError("every topic id is taken");
    return uint64Of(gap.id);
  }

  async updateSettings(db: DbTx, id: bigint, settings: TopicSettings): Promise<TopicRecord | null> {
    const { epochLength, groundTruthLag, workerSubmissionWindow } = settings;
    return this.update(db, id, { epochLength, groundTruthLag, workerSubmissionWindow });
  }

  async setSchedule(db: DbTx, id: bigint, schedule: TopicSchedule): Promise<TopicRecord | null> {
    return this.update(db, id, {
      active: schedule.active,
      activatedAt: schedule.active ? new Date(schedule.anchor) : null,
      nextStartAt: schedule.active ? new Date(schedule.nextStartAt) : null,
    });
  }

  private async update(db: DbTx, id: bigint, data: Partial<Pick<Topic, "epochLength" | "groundTruthLag" | "workerSubmissionWindow" | "active" | "activatedAt" | "nextStartAt">>): Promise<TopicRecord | null> {
    // updateMany: no error for a missing row (null here); updatedAt is Prisma's @updatedAt.
    const { count } = await db.topic.updateMany({ where: { id: toStored(id) }, data });
    return count === 1 ? this.get(db, id) : null;
  }

  /**
   * Allocate the topic's next nonce from its persisted counter (row-locked until the caller's
   * transaction ends), so nonces are never reused, even across restarts. Null when no such topic.
   */
  async allocateNonce(db: DbTx, id: bigint): Promise<{ topic: TopicRecord; nonce: bigint } | null> {
    const topic = await this.get(db, id, { forUpdate: true });
    if (!topic) return null;
    const nonce = nextNonce(topic.lastNonce);
    // updatedAt kept: it says when settings or activation last changed, not when an epoch started.
    await db.topic.update({ where: { id: toStored(id) }, data: { lastNonce: toStored(nonce), updatedAt: topic.updatedAt } });
    return { topic: { ...topic, lastNonce: nonce }, nonce };
  }

  /** Topics by id ascending, keyset after `afterId`. */
  async list(db: DbTx, opts: { active?: boolean; afterId?: bigint; limit: number }): Promise<TopicRecord[]> {
    const topics = await db.topic.findMany({
      where: { active: opts.active, id: opts.afterId === undefined ? undefined : { gt: toStored(opts.afterId) } },
      orderBy: { id: "asc" },
      take: opts.limit,
    });
    return topics.map(toTopicRecord);
  }

  count(db: DbTx, opts: { active?: boolean }): Promise<number> {
    return db.topic.count({ where: { active: opts.active } });
  }
}
