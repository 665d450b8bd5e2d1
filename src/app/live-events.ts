/**
 * The port subscriptions read through: committed transitions and the window changes they make,
 * live, optionally replayed from a cursor first. src/pubsub implements it over the transition feed;
 * src/graphql only knows this interface.
 */
import type { EpochState, SubscriberTooSlowError, WindowKind } from "../domain/index.js";
import type { LogPosition, TransitionLogRecord } from "./records.js";

/** One event, or the stream's last word when the subscriber fell too far behind. */
export type FeedEvent<T> = { readonly value: T; readonly overflow?: undefined } | { readonly overflow: SubscriberTooSlowError };

export interface TransitionFilter {
  readonly topicId?: bigint | null;
  /** Matches when the transition's target state is one of these. */
  readonly states?: readonly EpochState[] | null;
}

export interface WindowFilter {
  readonly topicId?: bigint | null;
  readonly kind?: WindowKind | null;
}

export interface WindowChangeEvent {
  readonly record: TransitionLogRecord;
  readonly kind: WindowKind;
  readonly opened: boolean;
}

export interface LiveEvents {
  transitions(filter: TransitionFilter, after: LogPosition | null): AsyncIterableIterator<FeedEvent<TransitionLogRecord>>;
  windows(filter: WindowFilter, after: LogPosition | null): AsyncIterableIterator<FeedEvent<WindowChangeEvent>>;
}
