/**
 * What the lifecycle use cases need from the outside world, as narrow ports. `Tx` is an open
 * database transaction, opaque here: the store (src/db/lifecycle-store.ts) hands it out, so a state
 * change, its log record and the schedule it implies commit together or not at all. The schedule
 * is data on the rows themselves (an epoch's state and windows, a topic's next start): nothing is
 * queued besides them.
 */
import type { EpochTransition, TopicSettings, TransitionSource } from "../domain/index.js";
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
}

/** A topic's periodic schedule: off, or epochs at anchor + n·epochLength with the next at nextStartAt. */
export type TopicSchedule =
  | { readonly active: false }
  | { readonly active: true; readonly anchor: number; readonly nextStartAt: number };

export interface LifecycleStorePort<Tx> {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  applyTransitionIn(tx: Tx, cmd: TransitionCommand): Promise<AppliedTransition>;
  /** Allocate the next nonce, insert the epoch and open its worker window. */
  startEpochIn(tx: Tx, topicId: bigint, startAt: number, source: TransitionSource): Promise<StartedEpoch>;
  /**
   * Tell the scheduler workers that something falls due at `at` (ms): delivered on commit, so a
   * worker asleep until a later instant wakes for it.
   */
  scheduleChanged(tx: Tx, at: number): Promise<void>;
  readonly topics: {
    get(tx: Tx, id: bigint, opts?: { forUpdate?: boolean }): Promise<TopicRecord | null>;
    /** Null when the id is taken. */
    create(tx: Tx, topic: NewTopic): Promise<TopicRecord | null>;
    updateSettings(tx: Tx, id: bigint, settings: TopicSettings): Promise<TopicRecord | null>;
    setSchedule(tx: Tx, id: bigint, schedule: TopicSchedule): Promise<TopicRecord | null>;
  };
  readonly epochs: {
    /** `forUpdate`: the epoch's advisory lock, then the row locked. */
    get(tx: Tx, key: EpochKey, opts?: { forUpdate?: boolean }): Promise<EpochRecord | null>;
    liveKeys(tx: Tx, topicId: bigint): Promise<EpochKey[]>;
  };
}
