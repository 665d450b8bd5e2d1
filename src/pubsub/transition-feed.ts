/**
 * The live transition stream of one API instance. The committed transition log is the only
 * source: a NOTIFY (or a fallback poll) wakes the feed, which reads the rows past its head that
 * are *settled* (written by transactions older than every running one) and fans them out to its
 * subscribers. A subscriber with a cursor first replays from the log up to the head, then joins the
 * live fan-out in the same tick, so there is no gap and no duplicate at the seam. Because reads are
 * by cursor, a dropped database connection loses nothing: the next read picks up where the head is.
 */
import type { LogPosition, TransitionLogRecord } from "../app/records.js";
import { BoundedQueue } from "../app/bounded-queue.js";
import type { SettledLogReader } from "../app/settled-log-reader.js";
import { TopicRoutes } from "./topic-routes.js";

export interface FeedOptions {
  /** Fallback poll (ms): catches rows held back by an unrelated long transaction. */
  readonly pollIntervalMs: number;
  /** Events buffered per subscriber before it is closed as too slow. */
  readonly bufferLimit: number;
  /** Bytes (estimated, see recordBytes) buffered per subscriber before it is closed as too slow. */
  readonly bufferBytes?: number;
  readonly batchSize?: number;
  readonly onError?: (error: unknown) => void;
}

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

/** A record's weight in a subscriber's buffer: its fixed fields plus its free-text reason. */
function recordBytes(r: TransitionLogRecord): number {
  return 256 + 2 * (r.reason?.length ?? 0);
}

function positionOf(r: TransitionLogRecord): LogPosition {
  return { txid: r.txid, id: r.id };
}

/** Which records a subscriber wants: one topic's (routed by the index) or all, then `filter`. */
export interface FeedRoute {
  /** Only this topic's records reach the filter; null or omitted: every record does. */
  readonly topicId?: bigint | null;
  /** Evaluated only for records of the route's topic (or all, without one). */
  readonly filter?: (r: TransitionLogRecord) => boolean;
}

interface Subscriber {
  readonly topicId: bigint | null;
  readonly filter: (r: TransitionLogRecord) => boolean;
  readonly queue: BoundedQueue<TransitionLogRecord>;
  /**
   * Last position this subscriber has accounted for (delivered or filtered out). Live, it only
   * moves on records of its route; positions only grow, so it still bounds what was delivered.
   */
  cursor: LogPosition | null;
}

export class TransitionFeed {
  private headPos: LogPosition | null = null;
  private readonly live = new TopicRoutes<Subscriber>();
  private reading: Promise<void> | null = null;
  private again = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private started = false;
  private registeredTotal = 0;

  constructor(
    private readonly reader: SettledLogReader,
    private readonly options: FeedOptions,
  ) {}

  get head(): LogPosition | null {
    return this.headPos;
  }

  get subscriberCount(): number {
    return this.live.size;
  }

  /** Subscribers that have joined the live fan-out since start (monotonic; for tests and metrics). */
  get registered(): number {
    return this.registeredTotal;
  }

  private join(sub: Subscriber): void {
    this.live.add(sub, sub.topicId);
    this.registeredTotal++;
  }

  async start(): Promise<void> {
    this.headPos = await this.reader.head();
    this.started = true;
    this.pollTimer = setInterval(() => this.wake(), this.options.pollIntervalMs);
    this.pollTimer.unref();
  }

  stop(): void {
    this.started = false;
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const s of [...this.live.values()]) s.queue.end();
    this.live.clear();
  }

  /** Something may have committed: read past the head (coalesced while a read runs). */
  wake(): void {
    if (!this.started) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.drain()
      .catch((err) => this.options.onError?.(err))
      .finally(() => {
        this.reading = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves once every row settled before the call has been read (for tests and shutdown). */
  async sync(): Promise<void> {
    this.again = true;
    while (this.reading) await this.reading;
    this.wake();
    while (this.reading) await this.reading;
  }

  private async drain(): Promise<void> {
    const limit = this.options.batchSize ?? 500;
    for (;;) {
      const rows = await this.reader.read(this.headPos, limit);
      if (rows.length === 0) return;
      for (const r of rows) this.deliver(r);
      this.headPos = positionOf(rows[rows.length - 1]!);
      if (rows.length < limit) return;
    }
  }

  /** Offered only to the subscribers of the record's topic and the unfiltered ones (topic-routes.ts). */
  private deliver(r: TransitionLogRecord): void {
    const pos = positionOf(r);
    this.live.forEvent(r.topicId, (s) => {
      if (s.cursor && comparePositions(pos, s.cursor) <= 0) return;
      s.cursor = pos;
      if (s.filter(r)) s.queue.push(r);
    });
  }

  /**
   * Subscribe to records matching `route` (a function: a filter over every record): those after
   * `after` first (replayed from the log), then live ones. Without `after`, only records committed
   * from now on. Give the topic in the route rather than testing it in a filter: a routed
   * subscriber costs nothing per event of other topics.
   */
  subscribe(route: FeedRoute | ((r: TransitionLogRecord) => boolean), after: LogPosition | null): BoundedQueue<TransitionLogRecord> {
    const { topicId = null, filter = () => true } = typeof route === "function" ? { filter: route } : route;
    const wanted = topicId === null ? filter : (r: TransitionLogRecord) => r.topicId === topicId && filter(r);
    const sub: Subscriber = {
      topicId,
      filter: wanted,
      cursor: after,
      queue: new BoundedQueue<TransitionLogRecord>(
        { items: this.options.bufferLimit, bytes: this.options.bufferBytes, sizeOf: recordBytes },
        { onClose: () => this.live.delete(sub) },
      ),
    };
    if (after === null) {
      sub.cursor = this.headPos;
      this.join(sub);
    } else {
      void this.replay(sub).catch((err) => sub.queue.fail(err));
    }
    return sub.queue;
  }

  private async replay(sub: Subscriber): Promise<void> {
    const limit = this.options.batchSize ?? 500;
    for (;;) {
      const head = this.headPos;
      // Caught up (or the client is ahead of this instance): join the live fan-out in this tick.
      if (head === null || (sub.cursor && comparePositions(sub.cursor, head) >= 0)) {
        if (!sub.queue.closed) this.join(sub);
        return;
      }
      const rows = await this.reader.read(sub.cursor, limit);
      if (sub.queue.closed) return;
      // Only up to the head as it is now: the live fan-out delivers what lies beyond it.
      const current = this.headPos;
      for (const r of rows) {
        const pos = positionOf(r);
        if (current && comparePositions(pos, current) > 0) break;
        sub.cursor = pos;
        if (sub.filter(r) && !sub.queue.push(r)) return;
      }
      if (rows.length === 0) {
        // Nothing settled past the cursor yet the head is ahead: cannot happen unless the log was
        // pruned; align with the head so the subscriber goes live.
        sub.cursor = current;
      }
    }
  }
}
