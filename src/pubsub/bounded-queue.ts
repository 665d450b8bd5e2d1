/**
 * An async-iterable queue with a hard size limit, in items and optionally in bytes: a consumer
 * that falls behind gets its iterator ended with an error instead of growing the server's memory
 * without bound.
 */
export class QueueOverflowError extends Error {
  readonly code = "SUBSCRIBER_TOO_SLOW";
  constructor(limit: number) {
    super(`subscriber fell ${limit} events behind; resubscribe with \`after\` set to the last cursor received`);
    this.name = "QueueOverflowError";
  }
}

/** A byte bound: `sizeOf` estimates an item's bytes; one item is always admitted into an empty queue. */
export interface ByteBound<T> {
  readonly max: number;
  readonly sizeOf: (item: T) => number;
}

export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private bytes = 0;
  private waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | null = null;
  private ended = false;
  private failure: unknown = null;

  constructor(
    private readonly limit: number,
    private readonly onReturn: () => void = () => {},
    private readonly byteBound?: ByteBound<T>,
  ) {}

  get size(): number {
    return this.items.length;
  }

  get closed(): boolean {
    return this.ended || this.failure !== null;
  }

  /** Adds an item; on overflow fails the iterator and returns false. */
  push(item: T): boolean {
    if (this.closed) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: item, done: false });
      return true;
    }
    const bytes = this.byteBound?.sizeOf(item) ?? 0;
    if (this.items.length >= this.limit || (this.byteBound && this.items.length > 0 && this.bytes + bytes > this.byteBound.max)) {
      this.fail(new QueueOverflowError(this.items.length));
      return false;
    }
    this.items.push(item);
    this.bytes += bytes;
    return true;
  }

  /** Ends the iterator with an error at once (buffered items are dropped). */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = error;
    this.clear(); // the consumer resumes from its cursor; buffered items would only delay it
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(error);
    }
    this.onReturn();
  }

  end(): void {
    if (this.closed) return;
    this.ended = true;
    if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: undefined, done: true });
    }
    this.onReturn();
  }

  private clear(): void {
    this.items.length = 0;
    this.bytes = 0;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const item = this.items.shift()!;
      if (this.byteBound) this.bytes -= this.byteBound.sizeOf(item);
      return Promise.resolve({ value: item, done: false });
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
