/**
 * The transition log's statements: the log in (txid, id) order (all of it, one topic's, one
 * epoch's, several epochs' pages at once), records by id, the settled head, and the one-epoch
 * transition write of the API's commands. One select list, one row mapper, one definition of the
 * settled horizon.
 */
import type { LogFilter, LogPage as ReadPage } from "../../app/read-model.js";
import type { EpochKey, EpochRecord, TransitionLogRecord } from "../../app/records.js";
import type { EpochState, EpochTransition, TransitionSource } from "../../domain/index.js";
import { epochColumns, keyArrays, toEpochRecord, type EpochRow } from "./epochs.js";
import { Params, selectList, where, type Int8, type Statement } from "./statement.js";
import { storedText, uint64Of, writtenInstant } from "./values.js";

/** transition_record's select list (scheduler batches return it too). */
export const LOG_COLUMNS = ["id", "txid", "topic_id", "nonce", "transition", "from_state", "to_state", "at", "due_at", "source", "reason"] as const;

export const logColumns = (alias: string) => selectList(alias, LOG_COLUMNS);

export interface TransitionRow {
  id: Int8;
  txid: Int8;
  topic_id: Int8;
  nonce: Int8;
  transition: number;
  from_state: number;
  to_state: number;
  at: Date;
  due_at: Date | null;
  source: number;
  reason: string | null;
}

export function toTransitionLogRecord(r: TransitionRow): TransitionLogRecord {
  return {
    id: BigInt(r.id),
    txid: BigInt(r.txid),
    topicId: uint64Of(r.topic_id),
    nonce: uint64Of(r.nonce),
    transition: r.transition as EpochTransition,
    from: r.from_state as EpochState,
    to: r.to_state as EpochState,
    at: r.at,
    dueAt: r.due_at,
    source: r.source as TransitionSource,
    reason: r.reason,
  };
}

/**
 * The settled horizon: the oldest running transaction id. Every txid below it is committed or
 * aborted for good, so a reader paging by (txid, id) never passes a position that a transaction
 * with a smaller txid could still fill.
 */
const SETTLED_HORIZON = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

export interface LogPage extends ReadPage {
  /** Only records below the settled horizon. */
  readonly settled?: boolean;
}

/** Keyset and horizon conditions on alias `alias`. */
function pageConditions(alias: string, page: LogPage, p: Params): string[] {
  const conds: string[] = [];
  if (page.after) conds.push(`(${alias}.txid, ${alias}.id) > (${p.add(String(page.after.txid))}::bigint, ${p.add(String(page.after.id))}::bigint)`);
  if (page.settled) conds.push(`${alias}.txid < ${SETTLED_HORIZON}`);
  return conds;
}

/** The log oldest first, by (txid, id), keyset after `page.after`. */
export function listLog(filter: LogFilter, page: LogPage): Statement<TransitionRow> {
  const p = new Params();
  const conds: string[] = [];
  if (filter.topicId !== undefined) conds.push(`t.topic_id = ${p.add(storedText(filter.topicId))}::bigint`);
  if (filter.nonce !== undefined) conds.push(`t.nonce = ${p.add(storedText(filter.nonce))}::bigint`);
  conds.push(...pageConditions("t", page, p));
  return {
    text: `SELECT ${logColumns("t")} FROM transition_record t ${where(conds)} ORDER BY t.txid, t.id LIMIT ${p.add(page.limit)}`,
    values: p.values,
  };
}

/** Records by id (node lookups), in no particular order. */
export function getLogRecords(ids: readonly bigint[]): Statement<TransitionRow> {
  return { text: `SELECT ${logColumns("t")} FROM transition_record t WHERE t.id = ANY($1::bigint[])`, values: [ids.map(String)] };
}

/** The first `page.limit` records of each epoch (after an optional position), in one statement. */
export function listLogForEpochs(keys: readonly EpochKey[], page: LogPage): Statement<TransitionRow> {
  const p = new Params();
  const [topics, nonces] = keyArrays(keys);
  const k = `unnest(${p.add(topics)}::bigint[], ${p.add(nonces)}::bigint[]) AS k(topic_id, nonce)`;
  const conds = ["t.topic_id = k.topic_id", "t.nonce = k.nonce", ...pageConditions("t", page, p)];
  return {
    text: `SELECT r.* FROM ${k} CROSS JOIN LATERAL (
             SELECT ${logColumns("t")} FROM transition_record t ${where(conds)} ORDER BY t.txid, t.id LIMIT ${p.add(page.limit)}) r`,
    values: p.values,
  };
}

/** The position of the newest settled record. */
export function settledHead(): Statement<{ txid: Int8; id: Int8 }> {
  return { text: `SELECT t.txid, t.id FROM transition_record t WHERE t.txid < ${SETTLED_HORIZON} ORDER BY t.txid DESC, t.id DESC LIMIT 1`, values: [] };
}

// --- the one-epoch transition write --------------------------------------------------------------

export interface LoggedChange {
  readonly transition: EpochTransition;
  readonly from: EpochState;
  readonly to: EpochState;
  readonly dueAt: Date | null;
  readonly source: TransitionSource;
  readonly reason?: string | null;
}

/** The epoch's columns and its new log record's in one row (their output names do not clash). */
export type WrittenRow = EpochRow & TransitionRow;

/**
 * Compare-and-set the epoch's state on its version and append the log record, as one statement (a
 * data-modifying CTE). No row when the epoch is no longer at `expectedVersion`. `updated_at` and
 * `at` are the statement's clock.
 */
export function applyTransition(key: EpochKey, expectedVersion: number, change: LoggedChange): Statement<WrittenRow> {
  return {
    text: `WITH e AS (
             UPDATE epoch SET state = $3::smallint, version = version + 1, updated_at = clock_timestamp()
             WHERE topic_id = $1::bigint AND nonce = $2::bigint AND version = $4::int
             RETURNING *),
           r AS (
             INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, at, due_at, source, reason)
             SELECT e.topic_id, e.nonce, $5::smallint, $6::smallint, e.state, clock_timestamp(), $7::timestamptz, $8::smallint, $9::text
             FROM e
             RETURNING *)
           SELECT ${epochColumns("e")}, ${logColumns("r")} FROM e, r`,
    values: [
      storedText(key.topicId),
      storedText(key.nonce),
      change.to,
      expectedVersion,
      change.transition,
      change.from,
      writtenInstant(change.dueAt),
      change.source,
      change.reason ?? null,
    ],
  };
}

export function toWritten(row: WrittenRow): { epoch: EpochRecord; record: TransitionLogRecord } {
  return { epoch: toEpochRecord(row), record: toTransitionLogRecord(row) };
}
