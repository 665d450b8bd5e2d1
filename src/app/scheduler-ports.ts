/**
 * What the scheduler needs from the database: set-based batches (src/db/sql/scheduler.ts), each
 * its own transaction, and the earliest instant anything is due. Several workers share the work:
 * a batch skips rows another one holds.
 */
import type { ScheduledStep, ScheduledTopic, StartPlan } from "../domain/index.js";
import type { TransitionLogRecord } from "./records.js";

/** Channel on which a committed change of the schedule announces its due instant (ms, decimal). */
export const SCHEDULE_CHANNEL = "epoch_windows_schedule";

/** A topic whose periodic start is due, as the batch read and locked it. */
export interface DueTopic extends ScheduledTopic {
  readonly id: bigint;
  readonly lastNonce: bigint | null;
}

/** A start to write: the plan and the nonce it allocates. */
export interface PlannedStart extends StartPlan {
  readonly topicId: bigint;
  readonly nonce: bigint;
}

export interface StartBatch {
  readonly records: TransitionLogRecord[];
  readonly starts: readonly PlannedStart[];
}

export interface DueWorkPort {
  /**
   * Apply `step` to at most `limit` epochs in `step.from` whose instant is at or before `now`,
   * earliest first, in one statement (state compare-and-set and log rows included). Returns the
   * committed log records.
   */
  applyDueSteps(step: ScheduledStep, now: number, limit: number): Promise<TransitionLogRecord[]>;
  /**
   * Lock at most `limit` active topics whose next start is at or before `now`, earliest first,
   * let `plan` decide each start, and write them (topics, epochs, log rows) in one transaction.
   */
  startDueEpochs(now: number, limit: number, plan: (topic: DueTopic) => PlannedStart): Promise<StartBatch>;
  /** When each kind of work next falls due (one round trip). */
  dueInstants(): Promise<DueInstants>;
}

/** The earliest due instant (ms) of each kind of work; null when none of that kind is scheduled. */
export interface DueInstants {
  /** Periodic starts. */
  readonly start: number | null;
  /** Steps, aligned with SCHEDULED_STEPS. */
  readonly steps: readonly (number | null)[];
}

/** The earliest of them all (null: nothing is scheduled). */
export function earliestDue(due: DueInstants): number | null {
  let min: number | null = due.start;
  for (const at of due.steps) if (at !== null && (min === null || at < min)) min = at;
  return min;
}
