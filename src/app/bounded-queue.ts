/**
 * The one bounded async-iterable queue: what a slow consumer has not taken yet is held here, limited
 * in items and optionally in bytes, so a consumer that falls behind is ended (it resumes from its
 * last cursor) instead of growing the server's memory without bound. Used per subscriber by the
 * live transition feed (src/pubsub) and by shared subscription executions (src/graphql).
 */
import { SubscriberTooSlowError } from "../domain/index.js";

/** Where buffered bytes are also accounted (e.g. a connection's budget over all its subscribers). */
export interface ByteAccount {
  take(bytes: number): void;
  give(bytes: number): void;
}

export interface QueueLimits<T> {
  /** Items buffered before overflow. */
  readonly items: number;
  /** Bytes buffered before overflow (default: unbounded); one item is always admitted into an empty queue. */
  readonly bytes?: number;
  /** An item's bytes, when `push` is not told them. */
  readonly sizeOf?: (item: T) => number;
}

export interface QueueHooks<T> {
  /** Once, when the queue ends, fails or is returned: the producer stops feeding it. */
  readonly onClose?: () => void;
  readonly account?: ByteAccount;
  /**
   * On overflow, the item the consumer gets last before the queue ends (e.g. an error result).
   * Without it the consumer's next() rejects with the SubscriberTooSlowError.
   */
  readonly lastItem?: (overflow: SubscriberTooSlowError) => T;
}

interface Entry<T> {
  readonly item: T;
  readonly bytes: number;
}

export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  private readonly entries: Entry<T>[] = [];
  private bytes = 0;
  private waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | null = null;
  private ended = false;
  private failure: unknown = null;

  constructor(
    private readonly limits: QueueLimits<T>,
    private readonly hooks: QueueHooks<T> = {},
  ) {}

  get size(): number {
    return this.entries.length;
  }

  get closed(): boolean {
    return this.ended || this.failure !== null;
  }

  /** The consumer is waiting on an empty queue: it has finished with everything pushed so far. */
  get parked(): boolean {
    return this.waiter !== null;
  }

  /** Adds an item (of `bytes`, if known); on overflow ends the consumer's stream and returns false. */
  push(item: T, bytes: number = this.limits.sizeOf?.(item) ?? 0): boolean {
    if (this.closed) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: item, done: false });
      return true;
    }
    const n = this.entries.length;
    if (n >= this.limits.items || (n > 0 && this.limits.bytes !== undefined && this.bytes + bytes > this.limits.bytes)) {
      this.overflow();
      return false;
    }
    this.entries.push({ item, bytes });
    this.bytes += bytes;
    this.hooks.account?.take(bytes);
    return true;
  }

  private overflow(): void {
    const error = new SubscriberTooSlowError(
      `subscriber fell ${this.entries.length} events (${this.bytes} bytes) behind; resubscribe with \`after\` set to the last cursor received`,
    );
    if (!this.hooks.lastItem) return this.fail(error);
    this.clear(); // the consumer resumes from its cursor; buffered items would only delay it
    this.entries.push({ item: this.hooks.lastItem(error), bytes: 0 });
    this.end();
  }

  /** Ends the iterator with an error at once (buffered items are dropped). */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = error;
    this.clear();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(error);
    }
    this.hooks.onClose?.();
  }

  /** Ends the iterator once the buffered items are taken. */
  end(): void {
    if (this.closed) return;
    this.ended = true;
    if (this.waiter && this.entries.length === 0) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: undefined, done: true });
    }
    this.hooks.onClose?.();
  }

  private clear(): void {
    this.entries.length = 0;
    this.hooks.account?.give(this.bytes);
    this.bytes = 0;
  }

  next(): Promise<IteratorResult<T>> {
    const entry = this.entries.shift();
    if (entry) {
      this.bytes -= entry.bytes;
      this.hooks.account?.give(entry.bytes);
      return Promise.resolve({ value: entry.item, done: false });
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.clear();
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.fail(error);
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
