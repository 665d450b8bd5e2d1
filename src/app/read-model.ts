/**
 * The read side the API serves (GraphQL queries call exactly these). Implemented over the
 * repositories in src/db/read-model.ts; every method is one SQL statement, so a request's
 * statement count is the number of calls its DataLoaders make.
 */
import type { EpochState } from "../domain/index.js";
import type { EpochFilter, EpochKey, EpochPosition, EpochSort, EpochRecord, LogPosition, TopicRecord, TransitionLogRecord } from "./records.js";

export interface EpochPage {
  readonly after?: EpochPosition;
  readonly limit: number;
}

/** A page of a sorted epoch listing (NEWEST_FIRST when no sort is given). */
export interface SortedEpochPage extends EpochPage {
  readonly sort?: EpochSort;
}

export interface LogPage {
  readonly after?: LogPosition;
  readonly limit: number;
}

export interface LogFilter {
  readonly topicId?: bigint;
  readonly nonce?: bigint;
}

export interface ReadModel {
  /** Topics by id, in no particular order; missing ids are simply absent. */
  topics(ids: readonly bigint[]): Promise<TopicRecord[]>;
  /** Topics by id ascending, keyset after `afterId`. */
  listTopics(opts: { active?: boolean; afterId?: bigint; limit: number }): Promise<TopicRecord[]>;
  countTopics(opts: { active?: boolean }): Promise<number>;

  /** Epochs by key, in no particular order; missing keys are simply absent. */
  epochs(keys: readonly EpochKey[]): Promise<EpochRecord[]>;
  /** In `page.sort` order (default newest first: (workerOpenAt, topicId, nonce) descending). */
  listEpochs(filter: EpochFilter, page: SortedEpochPage): Promise<EpochRecord[]>;
  countEpochs(filter: EpochFilter): Promise<number>;
  /** The first `limit` epochs of each topic (newest first), in one statement. */
  listEpochsOfTopics(topicIds: readonly bigint[], states: readonly EpochState[] | undefined, page: EpochPage): Promise<EpochRecord[]>;
  /** Epoch counts per topic; topics without epochs are absent. */
  countEpochsOfTopics(topicIds: readonly bigint[], states: readonly EpochState[] | undefined): Promise<Map<bigint, number>>;
  /**
   * Of the given epochs, those in REPUTER_SUBMISSION while an older epoch of the same topic (earlier
   * start) is too: their reputer windows overlap and reputers should submit for the older first.
   */
  reputerOverlaps(keys: readonly EpochKey[]): Promise<EpochKey[]>;
  /** Transition records by id, in no particular order; missing ids are simply absent. */
  transitionRecords(ids: readonly bigint[]): Promise<TransitionLogRecord[]>;
  /** Counts per state; states without epochs are absent. */
  countByState(topicId?: bigint): Promise<Map<EpochState, number>>;

  /**
   * The transition log oldest first, by (txid, id). Only records of transactions older than every
   * running one are returned, so a record committed late never lands behind a reader's cursor.
   */
  listTransitions(filter: LogFilter, page: LogPage): Promise<TransitionLogRecord[]>;
  /** The first `limit` records of each epoch (same order and horizon), in one statement. */
  listTransitionsOfEpochs(keys: readonly EpochKey[], page: LogPage): Promise<TransitionLogRecord[]>;

  /** Throws when the database does not answer (health check). */
  ping(): Promise<void>;
}
