/**
 * Turns the feed into what a subscription yields: matching records, and on overflow one final
 * marker (the resolver turns it into a SUBSCRIBER_TOO_SLOW error, then the stream completes).
 */
import type { BoundedQueue } from "../app/bounded-queue.js";
import type { FeedEvent, LiveEvents, TransitionFilter, WindowChangeEvent, WindowFilter } from "../app/live-events.js";
import type { LogPosition, TransitionLogRecord } from "../app/records.js";
import { SubscriberTooSlowError, windowChanges } from "../domain/index.js";
import type { TransitionFeed } from "./transition-feed.js";

/**
 * A hand-written iterator rather than an async generator: a generator that is suspended awaiting
 * the next event cannot be returned until an event arrives, so a client that unsubscribes from a
 * quiet stream would never be released. Here return() ends the queue at once.
 */
function fromQueue<T, U>(queue: BoundedQueue<T>, expand: (item: T) => U[]): AsyncIterableIterator<FeedEvent<U>> {
  let pending: U[] = [];
  let done = false;
  const finished = (): IteratorResult<FeedEvent<U>> => ({ value: undefined, done: true });
  return {
    async next() {
      for (;;) {
        if (pending.length > 0) return { value: { value: pending.shift()! }, done: false };
        if (done) return finished();
        try {
          const r = await queue.next();
          if (r.done) done = true;
          else pending = expand(r.value);
        } catch (err) {
          if (!(err instanceof SubscriberTooSlowError)) throw err;
          done = true;
          return { value: { overflow: err }, done: false };
        }
      }
    },
    async return() {
      done = true;
      pending = [];
      await queue.return();
      return finished();
    },
    async throw(error?: unknown) {
      done = true;
      queue.fail(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function transitionEvents(feed: TransitionFeed, filter: TransitionFilter, after: LogPosition | null): AsyncIterableIterator<FeedEvent<TransitionLogRecord>> {
  const states = filter.states?.length ? new Set(filter.states) : null;
  const topicId = filter.topicId ?? null;
  const queue = feed.subscribe({ topicId, filter: states === null ? undefined : (r) => states.has(r.to) }, after);
  return fromQueue(queue, (r) => [r]);
}

function windowEvents(feed: TransitionFeed, filter: WindowFilter, after: LogPosition | null): AsyncIterableIterator<FeedEvent<WindowChangeEvent>> {
  const topicId = filter.topicId ?? null;
  const kind = filter.kind ?? null;
  const changes = (r: TransitionLogRecord) => windowChanges(r.from, r.to).filter((c) => kind === null || c.kind === kind);
  const queue = feed.subscribe({ topicId, filter: (r) => changes(r).length > 0 }, after);
  return fromQueue(queue, (r) => changes(r).map((c) => ({ record: r, ...c })));
}

/** The feed as the port subscriptions read through. */
export function liveEvents(feed: TransitionFeed): LiveEvents {
  return {
    transitions: (filter, after) => transitionEvents(feed, filter, after),
    windows: (filter, after) => windowEvents(feed, filter, after),
  };
}
