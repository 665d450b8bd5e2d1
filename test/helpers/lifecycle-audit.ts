/** Audits of whole topics from the transition log, for tests that run many lifecycles under faults. */
import assert from "node:assert/strict";
import type { EpochRecord, TransitionLogRecord } from "../../src/app/records.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import type { Db } from "../../src/db/prisma-client.js";
import { EpochState } from "../../src/domain/index.js";
import { assertLifecycleLog } from "./lifecycle-assertions.js";

export interface TopicAudit {
  readonly topicId: bigint;
  /** Oldest first. */
  readonly epochs: EpochRecord[];
}

/**
 * Every epoch of the topics ended COMPLETED, and its log is the table's five steps, once each, in
 * order, each at or after its due time (the first epoch of a topic was opened by the API, the
 * others by the periodic start); no (epoch, transition) appears twice anywhere in the log.
 */
export async function assertEveryEpochCompletedOnce(db: Db, topicIds: readonly bigint[]): Promise<TopicAudit[]> {
  const store = new LifecycleStore(db);
  const out: TopicAudit[] = [];
  for (const topicId of topicIds) {
    const epochs = (await store.epochs.list(db, { topicId }, { limit: 100_000 })).reverse();
    const log = await store.log.list(db, { topicId }, { limit: 1_000_000 });
    const byNonce = new Map<bigint, TransitionLogRecord[]>();
    for (const r of log) byNonce.set(r.nonce, [...(byNonce.get(r.nonce) ?? []), r]);
    for (const [n, epoch] of epochs.entries()) {
      assert.equal(EpochState[epoch.state], "COMPLETED", `epoch ${topicId}/${epoch.nonce} ended COMPLETED`);
      assertLifecycleLog(epoch, byNonce.get(epoch.nonce) ?? [], { openedByApi: n === 0 });
    }
    assert.equal(log.length, epochs.length * 5, `topic ${topicId}: no record of an epoch that does not exist`);
    out.push({ topicId, epochs });
  }
  const doubled = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (SELECT 1 FROM transition_record GROUP BY topic_id, nonce, transition HAVING count(*) > 1) d`;
  assert.equal(doubled[0]?.n, 0, "no (epoch, transition) twice in the log");
  return out;
}

/** Stops the topics' periodic starts without cancelling the epochs in flight (deactivateTopic would cancel them). */
export async function stopPeriodicStarts(db: Db): Promise<void> {
  // As deactivateTopic leaves the topic (no next start), minus its cancels. A start batch in flight
  // holds the topic's row: this waits for it, and the epoch it started runs to the end.
  await db.$executeRaw`UPDATE topic SET active = false, next_start_at = NULL WHERE active`;
}

/** Number of epochs not yet COMPLETED or CANCELLED. */
export async function liveEpochCount(db: Db): Promise<number> {
  const rows = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM epoch WHERE state NOT IN (5, 6)`;
  return rows[0]!.n;
}
