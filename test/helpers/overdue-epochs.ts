/**
 * A large backlog for scheduler tests: epochs inserted directly (one statement), their worker
 * windows open and every window instant already past, so all four scheduled steps are overdue.
 * Their topics are inactive (no periodic start). The OPEN_WORKER_WINDOW log row is not written:
 * the audit below expects exactly the four scheduled steps.
 */
import assert from "node:assert/strict";
import type { Db } from "../../src/db/prisma-client.js";
import { toStored } from "../../src/db/uint64-column.js";
import { EpochState, EpochTransition } from "../../src/domain/index.js";

export interface OverdueEpochs {
  readonly topicIds: bigint[];
  readonly count: number;
}

/** `topics` topics from `firstTopicId`, with `perTopic` epochs each (nonces 1..perTopic), due 10 minutes ago. */
export async function insertOverdueEpochs(db: Db, opts: { topics: number; perTopic: number; firstTopicId?: bigint }): Promise<OverdueEpochs> {
  const first = opts.firstTopicId ?? 1000n;
  const topicIds = Array.from({ length: opts.topics }, (_, i) => first + BigInt(i));
  const stored = topicIds.map((id) => toStored(id).toString());
  await db.$executeRawUnsafe(
    `INSERT INTO topic (id, epoch_length, ground_truth_lag, worker_submission_window, active, updated_at)
     SELECT id, 60, 120, 60, false, now() FROM unnest($1::bigint[]) AS t(id)`,
    stored,
  );
  // The same due instants for all, so due order falls back to (topic, nonce).
  await db.$executeRawUnsafe(
    `INSERT INTO epoch (topic_id, nonce, state, version, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at, updated_at)
     SELECT t.id, ${toStored(0n)} + n, ${EpochState.WORKER_SUBMISSION}, 1,
            now() - interval '10 min', now() - interval '9 min', now() - interval '8 min', now() - interval '7 min', now()
     FROM unnest($1::bigint[]) AS t(id), generate_series(1, $2::int) AS n`,
    stored,
    opts.perTopic,
  );
  return { topicIds, count: opts.topics * opts.perTopic };
}

const SCHEDULED = [EpochTransition.CLOSE_WORKER_WINDOW, EpochTransition.OPEN_REPUTER_WINDOW, EpochTransition.CLOSE_REPUTER_WINDOW, EpochTransition.COMPLETE].join(",");

/** How far the backlog got: epochs COMPLETED, and epochs whose log is not a prefix of the four steps once each in order. */
export async function overdueProgress(db: Db, epochs: OverdueEpochs): Promise<{ completed: number; records: number; wrong: number }> {
  const stored = epochs.topicIds.map((id) => toStored(id).toString());
  const rows = await db.$queryRawUnsafe<{ completed: number; records: number; wrong: number }[]>(
    `SELECT count(*) FILTER (WHERE e.state = ${EpochState.COMPLETED})::int AS completed,
            coalesce(sum(r.n), 0)::int AS records,
            count(*) FILTER (WHERE r.n > 0 AND left($2, length(r.seq)) <> r.seq OR r.bad_state OR r.early)::int AS wrong
     FROM epoch e
     LEFT JOIN LATERAL (
       SELECT count(*) AS n, coalesce(string_agg(t.transition::text, ',' ORDER BY t.id), '') AS seq,
              bool_or(t.to_state IS DISTINCT FROM e.state AND t.id = (SELECT max(id) FROM transition_record x WHERE x.topic_id = e.topic_id AND x.nonce = e.nonce)) AS bad_state,
              bool_or(t.at < t.due_at) AS early
       FROM transition_record t WHERE t.topic_id = e.topic_id AND t.nonce = e.nonce) r ON true
     WHERE e.topic_id = ANY($1::bigint[])`,
    stored,
    SCHEDULED,
  );
  return rows[0]!;
}

/** Every epoch of the backlog COMPLETED, its log the four scheduled steps once each, in order, none early. */
export async function assertOverdueAppliedOnce(db: Db, epochs: OverdueEpochs): Promise<void> {
  const p = await overdueProgress(db, epochs);
  assert.deepEqual(p, { completed: epochs.count, records: epochs.count * 4, wrong: 0 });
}
