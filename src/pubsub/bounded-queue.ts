/**
 * An async-iterable queue with a hard size limit: a consumer that falls behind gets its iterator
 * ended with an error instead of growing the server's memory without bound.
 */
export class QueueOverflowError extends Error {
  readonly code = "SUBSCRIBER_TOO_SLOW";
  constructor(limit: number) {
    super(`subscriber fell ${limit} events behind; resubscribe with \`after\` set to the last cursor received`);
    this.name = "QueueOverflowError";
  }
}

export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | null = null;
  private ended = false;
  private failure: unknown = null;

  constructor(
    private readonly limit: number,
    private readonly onReturn: () => void = () => {},
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
    if (this.items.length >= this.limit) {
      this.fail(new QueueOverflowError(this.limit));
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** Ends the iterator with an error at once (buffered items are dropped). */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = error;
    this.items.length = 0; // the consumer resumes from its cursor; buffered items would only delay it
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

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
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
