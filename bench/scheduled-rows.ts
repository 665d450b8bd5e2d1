/**
 * Scheduled work written straight into a bench database, so the schedule's shape is the bench's to
 * choose: epochs already in WORKER_SUBMISSION whose four remaining steps fall due at instants the
 * caller sets (a controlled due rate, or a backlog all due at once). The rows are what a start
 * writes (src/db/sql/scheduler.ts insertStarts), minus the start's log record.
 */
import type pg from "pg";
import { EpochState } from "../src/domain/index.js";
import { toStored } from "../src/db/uint64-column.js";

export interface DueEpochs {
  /** Topic ids (uint64, as the API returns them); epochs go to them in turn. */
  readonly topics: readonly bigint[];
  readonly count: number;
  /** Nonce of the first epoch (nonces run on from it, unique across calls if the caller says so). */
  readonly firstNonce: number;
  /** CLOSE_WORKER_WINDOW of epoch i is due at firstCloseAt + i·spacingMs (ms). */
  readonly firstCloseAt: number;
  readonly spacingMs: number;
  /** OPEN_REPUTER_WINDOW due this long after the worker close; CLOSE_REPUTER_WINDOW and COMPLETE twice as long. */
  readonly stepGapMs: number;
}

/** Insert the epochs in one statement. */
export async function insertDueEpochs(db: Pick<pg.ClientBase, "query">, e: DueEpochs): Promise<void> {
  await db.query(
    `INSERT INTO epoch (topic_id, nonce, state, version, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at, updated_at)
     SELECT t.ids[1 + (i % cardinality(t.ids))], $2::bigint + $3::bigint + i, ${EpochState.WORKER_SUBMISSION}, 1,
            c - make_interval(secs => $6::float8 / 1000), c, c + make_interval(secs => $6::float8 / 1000), c + make_interval(secs => 2 * $6::float8 / 1000), now()
     FROM (SELECT $1::bigint[] AS ids) t, generate_series(0, $4::int - 1) i,
          LATERAL (SELECT to_timestamp(($5::float8 + i * $7::float8) / 1000) AS c) w`,
    [e.topics.map((id) => toStored(id).toString()), toStored(0n).toString(), e.firstNonce, e.count, e.firstCloseAt, e.stepGapMs, e.spacingMs],
  );
}
