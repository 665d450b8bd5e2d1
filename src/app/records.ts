/** Plain records the application layer works with; no database or GraphQL types leak through. */
import type { EpochState, EpochTransition, EpochWindows, TopicSettings, TransitionSource } from "../domain/index.js";

export interface TopicRecord extends TopicSettings {
  readonly id: bigint;
  readonly active: boolean;
  readonly activatedAt: Date | null;
  readonly lastNonce: bigint | null;
  /** Periodic starts skipped because no worker ran at their instants. */
  readonly missedStarts: number;
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

/** Keyset position in the epoch listing order (newest first). */
export interface EpochPosition {
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
  readonly states?: readonly EpochState[];
}

export interface Page<T> {
  readonly items: T[];
  readonly hasNextPage: boolean;
}
