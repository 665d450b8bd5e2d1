/**
 * What the lifecycle use cases need from the outside world, as narrow ports. `Tx` is an open
 * database transaction, opaque here: the store (src/db/lifecycle-store.ts) hands it out and the job
 * scheduler (src/jobs/job-scheduler.ts) writes jobs on it, so a state change and the scheduling it
 * implies commit together or not at all.
 */
import type { EpochTransition, LifecycleStep, TopicSettings, TransitionSource } from "../domain/index.js";
import type { EpochKey, EpochRecord, TopicRecord, TransitionLogRecord } from "./records.js";

export interface TransitionCommand extends EpochKey {
  readonly transition: EpochTransition;
  readonly source: TransitionSource;
  /** When the step was due (scheduler); null for API calls. */
  readonly dueAt: Date | null;
  readonly reason?: string | null;
  /** Fail with ConflictError unless the epoch is still at this version. */
  readonly expectedVersion?: number;
  /**
   * The epoch as the caller has just read it in this transaction under its lock (saves reading it
   * again); its version is then the expected one.
   */
  readonly current?: EpochRecord;
}

export interface AppliedTransition {
  readonly epoch: EpochRecord;
  readonly record: TransitionLogRecord;
}

export interface StartedEpoch {
  readonly topic: TopicRecord;
  readonly epoch: EpochRecord;
  readonly records: TransitionLogRecord[];
}

export interface NewTopic extends TopicSettings {
  /** Omit to take the next free id (max + 1). */
  readonly id?: bigint;
  readonly active?: boolean;
  readonly activatedAt?: Date | null;
}

/** The job changes a step's transition implies, for a write done in one statement. */
export interface StepJobChanges {
  readonly remove: readonly LifecycleStep[];
  readonly add?: { readonly step: LifecycleStep; readonly opts?: ScheduleStepOptions };
}

/** Runs inside the transaction after the write; throwing rolls everything back. */
export type FollowUp<Tx, R> = (tx: Tx, result: R) => Promise<void>;

export interface LifecycleStorePort<Tx> {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  applyTransitionIn(tx: Tx, cmd: TransitionCommand): Promise<AppliedTransition>;
  /**
   * A transition of an epoch known without reading it under a lock (`cmd.current`: read ahead, or
   * as the step before left it) and its job changes, as one statement that is its own transaction:
   * nothing is written and null comes back unless the epoch is at `cmd.current.version` when the
   * statement gets the epoch's lock. It queues behind a transition of the epoch in progress and
   * goes on the moment that one commits; with `notBefore` (ms) it writes no earlier than that
   * instant, waiting on the database server (so it can be sent a little ahead).
   */
  applyKnown(cmd: TransitionCommand & { readonly current: EpochRecord }, jobs: StepJobChanges, opts?: { readonly notBefore?: number }): Promise<AppliedTransition | null>;
  /** The epoch as committed now, without a lock or transaction. */
  readEpoch(key: EpochKey): Promise<EpochRecord | null>;
  /**
   * Allocate the next nonce, insert the epoch and open its worker window; with `schedule` (a
   * periodic start), record its change of the topic's schedule in the same transaction.
   */
  startEpochIn(tx: Tx, topicId: bigint, startAt: number, source: TransitionSource, schedule?: ScheduleChange): Promise<StartedEpoch>;
  /**
   * The same for a topic read without a lock, in one statement: null (nothing written) when the
   * topic changed since it was read, or (with `anchor`) is no longer active since that activation.
   * With `notBefore` (ms), the statement waits on the database server until then before writing;
   * `schedule` is written to the topic by the same statement.
   */
  startEpochIfUnchanged(
    tx: Tx,
    topic: TopicRecord,
    startAt: number,
    source: TransitionSource,
    anchor?: number,
    opts?: { readonly notBefore?: number; readonly schedule?: ScheduleChange },
  ): Promise<StartedEpoch | null>;
  readonly topics: {
    get(tx: Tx, id: bigint, opts?: { forUpdate?: boolean }): Promise<TopicRecord | null>;
    /** Null when the id is taken. */
    create(tx: Tx, topic: NewTopic): Promise<TopicRecord | null>;
    updateSettings(tx: Tx, id: bigint, settings: TopicSettings): Promise<TopicRecord | null>;
    setActive(tx: Tx, id: bigint, active: boolean, activatedAt: Date | null): Promise<TopicRecord | null>;
  };
  readonly epochs: {
    /**
     * `forUpdate`: the epoch's advisory lock, then the row locked. `serialize`: the advisory lock
     * only (transitions of the epoch still queue behind it; the write's compare-and-set row-locks).
     */
    get(tx: Tx, key: EpochKey, opts?: { forUpdate?: boolean; serialize?: boolean }): Promise<EpochRecord | null>;
    liveKeys(tx: Tx, topicId: bigint): Promise<EpochKey[]>;
    existsStartedAt(tx: Tx, topicId: bigint, startAt: number): Promise<boolean>;
  };
}

/** What a periodic start changes on its topic, written with its epoch. */
export interface ScheduleChange {
  /** The schedule's new anchor (the topic's activatedAt, ms): set when a late start re-anchors. */
  readonly reanchorAt?: number;
  /** Periods skipped since the job's one, added to the topic's missedStarts. */
  readonly missed: number;
}

/** Where the periodic start of a topic stands: epoch `index` starts at anchor + index·epochLength. */
export interface PeriodicStart {
  readonly topicId: bigint;
  /** The topic's activatedAt (ms): a job whose anchor no longer matches is stale. */
  readonly anchor: number;
  readonly index: number;
}

export interface ScheduleStepOptions {
  /**
   * When a worker may claim the job (ms). Default: the step's due time less the queue's lead, so a
   * worker holds the job when it falls due.
   */
  readonly runAt?: number;
  /**
   * Tell the workers' due timers about it (default true). Off for a safety-net job that the caller
   * itself runs at once: a timer woken for it would only find it gone.
   */
  readonly announce?: boolean;
}

/**
 * The job queue, written inside the caller's transaction. Every call is idempotent (job keys).
 * An epoch has at most one pending step job: each transition queues the step that follows it.
 */
export interface JobSchedulerPort<Tx> {
  /** Queue the job of one step of the epoch, replacing a job with the same key. */
  scheduleStep(tx: Tx, key: EpochKey, step: LifecycleStep, opts?: ScheduleStepOptions): Promise<void>;
  /** Remove the pending job of one step of the epoch, if any. */
  unscheduleStep(tx: Tx, key: EpochKey, step: LifecycleStep): Promise<void>;
  /** Remove every pending step of the epoch. */
  unscheduleEpoch(tx: Tx, key: EpochKey): Promise<void>;
  /** Start `next` at `dueAt` (its aligned instant). */
  schedulePeriodicStart(tx: Tx, next: PeriodicStart, dueAt: number): Promise<void>;
  unschedulePeriodicStart(tx: Tx, topicId: bigint): Promise<void>;
}
