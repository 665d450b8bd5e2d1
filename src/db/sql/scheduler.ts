/**
 * The scheduler's statements: set-based batches that move every due epoch of one kind of step, or
 * start every due topic's periodic epoch, with the log rows in the same statement (the log's
 * statement-level trigger then sends one commit notice per batch). `FOR UPDATE SKIP LOCKED` lets
 * several workers share the work without waiting on each other or on an operator's command; the
 * state compare-and-set in the UPDATE makes a step apply at most once.
 */
import { SCHEDULE_CHANNEL, type DueInstants, type DueTopic, type PlannedStart } from "../../app/scheduler-ports.js";
import type { TransitionLogRecord } from "../../app/records.js";
import { EpochState, EpochTransition, SCHEDULED_STEPS, TransitionSource, type DueInstant, type ScheduledStep } from "../../domain/index.js";
import { queryRows, type Int8, type PgQueryable as Queryable, type Statement } from "./statement.js";
import { logColumns, toTransitionLogRecord as toRecord, type TransitionRow } from "./transition-log.js";
import { storedText, uint64Of } from "./values.js";

/** The epoch column of each due instant (a fixed map: never built from input). */
const DUE_COLUMN: Readonly<Record<DueInstant, string>> = {
  workerCloseAt: "worker_close_at",
  reputerOpenAt: "reputer_open_at",
  reputerCloseAt: "reputer_close_at",
};

const LOG_COLUMNS = logColumns("");

const stepStatements = new Map<EpochTransition, string>(
  SCHEDULED_STEPS.map((s) => {
    const due = DUE_COLUMN[s.dueAt];
    return [
      s.transition,
      // The UPDATE finds the locked rows by ctid (a TID scan per row, stable while the lock is
      // held): joined on (topic_id, nonce), the planner may scan every epoch in the state once per
      // batch row when its statistics say the state is nearly empty — 4 s for 500 rows with 27,000
      // epochs waiting (a backlog built since the last ANALYZE), against 0.1 s this way.
      `WITH due AS (
         SELECT ctid FROM epoch
         WHERE state = ${s.from} AND ${due} <= $1::timestamptz
         ORDER BY ${due}, topic_id, nonce LIMIT $2
         FOR UPDATE SKIP LOCKED),
       e AS (
         UPDATE epoch SET state = ${s.to}, version = version + 1, updated_at = clock_timestamp()
         FROM due WHERE epoch.ctid = due.ctid AND epoch.state = ${s.from}
         RETURNING epoch.topic_id, epoch.nonce, epoch.${due} AS due_at)
       INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, at, due_at, source)
       SELECT topic_id, nonce, ${s.transition}, ${s.from}, ${s.to}, clock_timestamp(), due_at, ${TransitionSource.SCHEDULER}
       FROM e ORDER BY due_at, topic_id, nonce
       RETURNING ${LOG_COLUMNS}`,
    ];
  }),
);

/** One batch of one kind of step; its own transaction. */
export async function applyDueSteps(db: Queryable, step: ScheduledStep, now: number, limit: number): Promise<TransitionLogRecord[]> {
  const sql = stepStatements.get(step.transition);
  if (!sql) throw new Error(`${EpochTransition[step.transition]} is not a scheduled step`);
  const rows = await queryRows<TransitionRow>(db, { name: `scheduler-step-${step.transition}`, text: sql, values: [new Date(now).toISOString(), limit] });
  return rows.map(toRecord);
}

interface DueTopicRow {
  id: Int8;
  epoch_length: number;
  ground_truth_lag: number;
  worker_submission_window: number;
  activated_at: Date;
  next_start_at: Date;
  last_nonce: Int8 | null;
}

/** Lock the active topics whose next start is due (inside the caller's transaction). */
export async function lockDueTopics(db: Queryable, now: number, limit: number): Promise<DueTopic[]> {
  const rows = await queryRows<DueTopicRow>(db, {
    name: "scheduler-due-topics",
    text: `SELECT id, epoch_length, ground_truth_lag, worker_submission_window, activated_at, next_start_at, last_nonce
           FROM topic WHERE next_start_at <= $1::timestamptz AND active AND activated_at IS NOT NULL
           ORDER BY next_start_at, id LIMIT $2
           FOR UPDATE SKIP LOCKED`,
    values: [new Date(now).toISOString(), limit],
  });
  return rows.map((r) => ({
    id: uint64Of(r.id),
    epochLength: r.epoch_length,
    groundTruthLag: r.ground_truth_lag,
    workerSubmissionWindow: r.worker_submission_window,
    anchor: r.activated_at.getTime(),
    nextStartAt: r.next_start_at.getTime(),
    lastNonce: r.last_nonce === null ? null : uint64Of(r.last_nonce),
  }));
}

/**
 * Write planned starts in one statement: each topic's nonce counter and schedule, its epoch
 * (already past INIT, its version counting OPEN_WORKER_WINDOW) and the log row of that transition.
 */
export async function insertStarts(db: Queryable, starts: readonly PlannedStart[]): Promise<TransitionLogRecord[]> {
  if (starts.length === 0) return [];
  const col = <T>(f: (s: PlannedStart) => T) => starts.map(f);
  const date = (ms: number) => new Date(ms).toISOString();
  const rows = await queryRows<TransitionRow>(db, {
    name: "scheduler-insert-starts",
    text: `WITH p AS (
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[],
                                  $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::int[])
               AS p(topic_id, nonce, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at, due_at, anchor, next_start_at, missed)),
           t AS (
             UPDATE topic SET last_nonce = p.nonce, activated_at = p.anchor, next_start_at = p.next_start_at,
                              missed_starts = missed_starts + p.missed
             FROM p WHERE topic.id = p.topic_id
             RETURNING topic.id),
           e AS (
             INSERT INTO epoch (topic_id, nonce, state, version, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at, updated_at)
             SELECT p.topic_id, p.nonce, ${EpochState.WORKER_SUBMISSION}, 1, p.worker_open_at, p.worker_close_at, p.reputer_open_at, p.reputer_close_at, clock_timestamp()
             FROM p JOIN t ON t.id = p.topic_id
             RETURNING topic_id, nonce)
           INSERT INTO transition_record (topic_id, nonce, transition, from_state, to_state, at, due_at, source)
           SELECT e.topic_id, e.nonce, ${EpochTransition.OPEN_WORKER_WINDOW}, ${EpochState.INIT}, ${EpochState.WORKER_SUBMISSION}, clock_timestamp(), p.due_at, ${TransitionSource.SCHEDULER}
           FROM e JOIN p ON p.topic_id = e.topic_id AND p.nonce = e.nonce
           ORDER BY p.due_at, e.topic_id
           RETURNING ${LOG_COLUMNS}`,
    values: [
      col((s) => storedText(s.topicId)),
      col((s) => storedText(s.nonce)),
      col((s) => date(s.windows.workerOpenAt)),
      col((s) => date(s.windows.workerCloseAt)),
      col((s) => date(s.windows.reputerOpenAt)),
      col((s) => date(s.windows.reputerCloseAt)),
      col((s) => date(s.dueAt)),
      col((s) => date(s.anchor)),
      col((s) => date(s.nextStartAt)),
      col((s) => s.missed),
    ],
  });
  return rows.map(toRecord);
}

/** When each kind of work next falls due: one index probe per kind. */
const DUE_INSTANTS = `SELECT
  (SELECT min(next_start_at) FROM topic WHERE next_start_at IS NOT NULL) AS start,
  ${SCHEDULED_STEPS.map((s, i) => `(SELECT min(${DUE_COLUMN[s.dueAt]}) FROM epoch WHERE state = ${s.from}) AS step${i}`).join(",\n  ")}`;

export async function dueInstants(db: Queryable): Promise<DueInstants> {
  const rows = await queryRows<Record<string, Date | null>>(db, { name: "scheduler-due-instants", text: DUE_INSTANTS, values: [] });
  const row = rows[0] ?? {};
  const ms = (d: Date | null | undefined) => (d ? d.getTime() : null);
  return { start: ms(row.start), steps: SCHEDULED_STEPS.map((_, i) => ms(row[`step${i}`])) };
}

/** Work due now and not yet applied (starts and steps): the scheduler's backlog. */
export const DUE_BACKLOG = `SELECT
  (SELECT count(*) FROM topic WHERE next_start_at <= now() AND active)
  + ${SCHEDULED_STEPS.map((s) => `(SELECT count(*) FROM epoch WHERE state = ${s.from} AND ${DUE_COLUMN[s.dueAt]} <= now())`).join("\n  + ")} AS n`;

export function dueBacklog(): Statement<{ n: Int8 }> {
  return { name: "scheduler-due-backlog", text: DUE_BACKLOG, values: [] };
}

/** Announces a due instant to sleeping workers (sent when the caller's transaction commits). */
export function notifySchedule(at: number): Statement<unknown> {
  return { text: "SELECT pg_notify($1, $2)", values: [SCHEDULE_CHANNEL, String(Math.floor(at))] };
}
