/** Plain records the application layer works with; no database or GraphQL types leak through. */
import type { EpochState, EpochTransition, EpochWindows, TopicSettings, TransitionSource } from "../domain/index.js";

export interface TopicRecord extends TopicSettings {
  readonly id: bigint;
  readonly active: boolean;
  readonly activatedAt: Date | null;
  readonly lastNonce: bigint | null;
  /** Periodic starts skipped because no worker ran at their instants. */
  readonly missedStarts: number;
  /** When the scheduler starts the next periodic epoch; null while inactive. */
  readonly nextStartAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface EpochKey {
  readonly topicId: bigint;
  readonly nonce: bigint;
}

export interface EpochRecord extends EpochKey {
  readonly state: EpochState;
  readonly version: number;
  readonly windows: EpochWindows;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface TransitionLogRecord extends EpochKey {
  /** Insertion sequence. */
  readonly id: bigint;
  /** Writing transaction id; the log is ordered by (txid, id). */
  readonly txid: bigint;
  readonly transition: EpochTransition;
  readonly from: EpochState;
  readonly to: EpochState;
  readonly at: Date;
  readonly dueAt: Date | null;
  readonly source: TransitionSource;
  readonly reason: string | null;
}

/**
 * How an epoch listing is sorted: by one instant column, then (topicId, nonce), all in one
 * direction. NEWEST_FIRST and OLDEST_FIRST sort by the worker window's opening (the epoch's start);
 * the *_CLOSE_SOONEST orders by that window's closing, ascending (what a submitter does next).
 */
export type EpochSort = "NEWEST_FIRST" | "OLDEST_FIRST" | "WORKER_CLOSE_SOONEST" | "REPUTER_CLOSE_SOONEST";

/** Keyset position in an epoch listing order. */
export interface EpochPosition {
  /** The instant the order sorts by (ms): the start for NEWEST/OLDEST_FIRST, the window's close for the *_CLOSE_SOONEST orders. */
  readonly startAt: number;
  readonly topicId: bigint;
  readonly nonce: bigint;
}

/** Keyset position in the transition log order (oldest first). */
export interface LogPosition {
  readonly txid: bigint;
  readonly id: bigint;
}

export interface EpochFilter {
  readonly topicId?: bigint;
  /** Any of these topics (with topicId, both must hold). */
  readonly topicIds?: readonly bigint[];
  readonly states?: readonly EpochState[];
  /** Instants (ms); each range is half-open: after ≤ instant < before. */
  readonly workerOpensAfter?: number;
  readonly workerOpensBefore?: number;
  readonly reputerClosesAfter?: number;
  readonly reputerClosesBefore?: number;
}

export interface Page<T> {
  readonly items: T[];
  readonly hasNextPage: boolean;
}
