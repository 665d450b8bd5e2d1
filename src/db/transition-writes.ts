/**
 * One transition of one epoch (the API's commands) as one statement: a data-modifying CTE makes
 * the epoch's change and its log record one round trip, inside the caller's transaction.
 */
import type { EpochKey, EpochRecord, TransitionLogRecord } from "../app/records.js";
import type { EpochState, EpochTransition, TransitionSource } from "../domain/index.js";
import { Prisma } from "../generated/prisma/client.js";
import type { DbTx } from "./prisma-client.js";
import { toEpochRecord, toTransitionLogRecord, type EpochRow, type TransitionRow } from "./row-mappers.js";
import { toStored } from "./uint64-column.js";

export interface LoggedChange {
  readonly transition: EpochTransition;
  readonly from: EpochState;
  readonly to: EpochState;
  readonly dueAt: Date | null;
  readonly source: TransitionSource;
  readonly reason?: string | null;
}

export interface WrittenTransition {
  readonly epoch: EpochRecord;
  readonly record: TransitionLogRecord;
}

/** The log record's columns, prefixed so they do not clash with the epoch's in one result row. */
type JoinedRow = EpochRow & { [K in keyof TransitionRow as `r_${K & string}`]: TransitionRow[K] };

const RETURNED_COLUMNS = `
  SELECT e.topic_id, e.nonce, e.state, e.worker_open_at, e.worker_close_at, e.reputer_open_at, e.reputer_close_at,
         e.version, e.created_at, e.updated_at,
         r.id AS r_id, r.txid AS r_txid, r.topic_id AS r_topic_id, r.nonce AS r_nonce, r.transition AS r_transition,
         r.from_state AS r_from_state, r.to_state AS r_to_state, r.at AS r_at, r.due_at AS r_due_at,
         r.source AS r_source, r.reason AS r_reason`;

function split(row: JoinedRow): WrittenTransition {
  return {
    epoch: toEpochRecord(row),
    record: toTransitionLogRecord({
      id: row.r_id, txid: row.r_txid, topic_id: row.r_topic_id, nonce: row.r_nonce, transition: row.r_transition,
      from_state: row.r_from_state, to_state: row.r_to_state, at: row.r_at, due_at: row.r_due_at, source: row.r_source, reason: row.r_reason,
    }),
  };
}

/** The log record of the epoch row written by CTE `e`, as a data-modifying CTE body. */
function logRecordOf(change: LoggedChange): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, at, due_at, source, reason)
    SELECT e.topic_id, e.nonce, ${change.transition}::smallint, ${change.from}::smallint, e.state, clock_timestamp(),
           ${change.dueAt}::timestamptz, ${change.source}::smallint, ${change.reason ?? null}::text
    FROM e
    RETURNING *`;
}

export class TransitionWrites {
  /**
   * Compare-and-set the epoch's state on its version and append the log record, in one statement.
   * Null (nothing written) when the epoch is no longer at `expectedVersion`. `updated_at` and `at`
   * are the statement's clock.
   */
  async apply(db: DbTx, key: EpochKey, expectedVersion: number, change: LoggedChange): Promise<WrittenTransition | null> {
    const rows = await db.$queryRaw<JoinedRow[]>`
      WITH e AS (
        UPDATE epoch SET state = ${change.to}::smallint, version = version + 1, updated_at = clock_timestamp()
        WHERE topic_id = ${toStored(key.topicId)}::bigint AND nonce = ${toStored(key.nonce)}::bigint AND version = ${expectedVersion}::int
        RETURNING *),
      r AS (${logRecordOf(change)})
      ${Prisma.raw(RETURNED_COLUMNS)}
      FROM e, r`;
    return rows[0] ? split(rows[0]) : null;
  }
}
