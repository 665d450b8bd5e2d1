/**
 * A transition's writes as one statement each, for the scheduler's hot path: every round trip
 * between a due instant and the log record's `at` is lateness, and on a busy host each one costs a
 * wake-up on both sides. Data-modifying CTEs make the epoch's change and its log record one
 * statement (still inside the caller's transaction, so the follow-up jobs commit with them).
 */
import type { EpochKey, EpochRecord, TransitionLogRecord } from "../app/records.js";
import { EpochState, type EpochTransition, type EpochWindows, type TransitionSource } from "../domain/index.js";
import { Prisma } from "../generated/prisma/client.js";
import type { DbTx } from "./prisma-client.js";
import { toEpochRecord, toTransitionLogRecord, type EpochRow, type TransitionRow } from "./row-mappers.js";
import { toStored } from "./uint64-column.js";
import { epochLockKey } from "./epoch-lock.js";
import { scheduleAssignments } from "./topic-repository.js";
import type { ScheduleChange } from "../app/lifecycle-ports.js";

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
const RETURNED = `${RETURNED_COLUMNS}
  FROM e, r`;

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

/** A sleep on the server until `notBefore`; least(): a clock far off the server's never parks the statement longer than maxWaitMs. */
function sleepUntil(notBefore: Date, maxWaitMs: number): Prisma.Sql {
  return Prisma.sql`pg_sleep_until(least(${notBefore}::timestamptz, statement_timestamp() + make_interval(secs => ${maxWaitMs / 1000}::float8)))`;
}

export class TransitionWrites {
  /**
   * Compare-and-set the epoch's state on its version and append the log record, in one statement.
   * Null (nothing written) when the epoch is no longer at `expectedVersion`. `updated_at` and `at`
   * are the statement's clock: a transaction opened ahead of its due instant must not date its
   * change before it. `alsoSelect` adds select-list expressions run once the epoch is written (its
   * job changes; they may refer to the written row as `e`).
   *
   * `gate` (for a statement that is its own transaction) runs first, before the row is read for the
   * write: the epoch's advisory lock, so the statement queues behind any transition of the epoch in
   * progress (and, still without a transaction id, keeps the log's commit order), then a sleep on
   * the server until `notBefore` — a statement sent ahead of its due instant writes at the instant
   * itself, with no client wake-up or round trip in between. An UPDATE whose row changed while it
   * waited re-checks the compare-and-set against the newest version (READ COMMITTED).
   */
  async apply(
    db: DbTx,
    key: EpochKey,
    expectedVersion: number,
    change: LoggedChange,
    alsoSelect?: Prisma.Sql,
    gate?: { readonly lock: true; readonly notBefore?: Date; readonly maxWaitMs: number },
  ): Promise<WrittenTransition | null> {
    const sleep = gate?.notBefore ? Prisma.sql`, ${sleepUntil(gate.notBefore, gate.maxWaitMs)}` : Prisma.empty;
    const waited = gate ? Prisma.sql`g AS (SELECT pg_advisory_xact_lock(hashtextextended(${epochLockKey(key)}, 0)) ${sleep}),` : Prisma.empty;
    const gated = gate ? Prisma.sql`AND EXISTS (SELECT 1 FROM g)` : Prisma.empty;
    const rows = await db.$queryRaw<JoinedRow[]>`
      WITH ${waited} e AS (
        UPDATE epoch SET state = ${change.to}::smallint, version = version + 1, updated_at = clock_timestamp()
        WHERE topic_id = ${toStored(key.topicId)}::bigint AND nonce = ${toStored(key.nonce)}::bigint AND version = ${expectedVersion}::int ${gated}
        RETURNING *),
      r AS (${logRecordOf(change)})
      ${Prisma.raw(RETURNED_COLUMNS)}${alsoSelect ? Prisma.sql`, ${alsoSelect}` : Prisma.empty}
      FROM e, r`;
    return rows[0] ? split(rows[0]) : null;
  }

  /**
   * Start an epoch in one statement: take the nonce from the topic's counter by compare-and-set
   * (on the counter and `updated_at`, which every settings or activation change moves, and on the
   * activation `anchor` when given), insert the epoch already past INIT with its version counting
   * that first transition (what inserting in INIT and then applying it leaves), and log it; a
   * periodic start's `schedule` change (re-anchor, skipped periods) goes in the topic's UPDATE.
   * Null (nothing written) when the topic changed since the caller read it.
   */
  async start(
    db: DbTx,
    expected: { topicId: bigint; lastNonce: bigint | null; updatedAt: Date; anchor?: Date },
    epoch: { nonce: bigint; windows: EpochWindows },
    change: LoggedChange,
    wait?: { readonly notBefore: Date; readonly maxWaitMs: number },
    schedule?: ScheduleChange,
  ): Promise<WrittenTransition | null> {
    if (change.from !== EpochState.INIT) throw new Error("an epoch starts from INIT");
    const w = epoch.windows;
    // As in apply: sent ahead, the statement waits on the server for its instant before it writes.
    const waited = wait
      ? Prisma.sql`g AS (SELECT ${sleepUntil(wait.notBefore, wait.maxWaitMs)}),`
      : Prisma.empty;
    const gated = wait ? Prisma.sql`AND EXISTS (SELECT 1 FROM g)` : Prisma.empty;
    const anchor = expected.anchor ?? null;
    const rows = await db.$queryRaw<JoinedRow[]>`
      WITH ${waited} t AS (
        UPDATE topic SET last_nonce = ${toStored(epoch.nonce)}::bigint, ${scheduleAssignments(schedule)}
        WHERE id = ${toStored(expected.topicId)}::bigint
          AND last_nonce IS NOT DISTINCT FROM ${expected.lastNonce === null ? null : toStored(expected.lastNonce)}::bigint
          AND updated_at = ${expected.updatedAt}::timestamptz
          AND (${anchor}::timestamptz IS NULL OR (active AND activated_at = ${anchor}::timestamptz)) ${gated}
        RETURNING id),
      e AS (
        INSERT INTO epoch (topic_id, nonce, state, version, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at, updated_at)
        SELECT t.id, ${toStored(epoch.nonce)}::bigint, ${change.to}::smallint, 1, ${new Date(w.workerOpenAt)}::timestamptz,
               ${new Date(w.workerCloseAt)}::timestamptz, ${new Date(w.reputerOpenAt)}::timestamptz, ${new Date(w.reputerCloseAt)}::timestamptz,
               clock_timestamp()
        FROM t
        RETURNING *),
      r AS (${logRecordOf(change)})
      ${Prisma.raw(RETURNED)}`;
    return rows[0] ? split(rows[0]) : null;
  }
}
