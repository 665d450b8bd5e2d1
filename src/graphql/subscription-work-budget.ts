/**
 * What live subscriptions may make the server do, per client. The cost limit bounds one event;
 * this bounds events × cost per second: every execution of a subscription's selection for an
 * event is charged its cost (query-cost.ts, at least 1) to the client that subscribed (its API key,
 * JWT subject or IP, as the rate limit counts), from a token bucket. A client over its budget waits:
 * its subscriptions fall behind, their bounded buffers fill, and they end with SUBSCRIBER_TOO_SLOW
 * (resume with `after`), so heavy selections cannot starve mutations and the scheduler.
 */
export interface WorkBudgetLimits {
  /** Cost units a client may spend per second; 0 turns the budget off. */
  readonly perSecond: number;
  /** Units a client may spend at once (the bucket's size). */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** The last charge waiting or done: charges of one client are served in order. */
  tail: Promise<void>;
}

const MAX_IDLE_BUCKETS = 10_000;

export class SubscriptionWorkBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: WorkBudgetLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.limits.perSecond > 0;
  }

  /** Resolves once `client` may spend `cost`. */
  charge(client: string, cost: number): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const bucket = this.bucket(client);
    const turn = bucket.tail.then(() => this.spend(bucket, Math.max(1, cost)));
    bucket.tail = turn;
    return turn;
  }

  private bucket(client: string): Bucket {
    let b = this.buckets.get(client);
    if (!b) {
      if (this.buckets.size >= MAX_IDLE_BUCKETS) this.forgetFull();
      b = { tokens: this.limits.burst, at: this.now(), tail: Promise.resolve() };
      this.buckets.set(client, b);
    }
    return b;
  }

  private refill(b: Bucket): void {
    const t = this.now();
    b.tokens = Math.min(this.limits.burst, b.tokens + ((t - b.at) / 1000) * this.limits.perSecond);
    b.at = t;
  }

  private async spend(b: Bucket, cost: number): Promise<void> {
    this.refill(b);
    // A charge larger than the bucket runs once the bucket is full, and leaves it in debt.
    const need = Math.min(cost, this.limits.burst) - b.tokens;
    if (need > 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.ceil((need / this.limits.perSecond) * 1000)));
      this.refill(b);
    }
    b.tokens -= cost;
  }

  /** Buckets that are full again hold nothing worth keeping. */
  private forgetFull(): void {
    for (const [client, b] of this.buckets) {
      this.refill(b);
      if (b.tokens >= this.limits.burst) this.buckets.delete(client);
    }
  }
}

/**
 * The stream of a subscription's results, each execution paid for before it runs: graphql-js
 * executes the selection for an event when the next result is pulled.
 */
export function chargedStream<T>(source: AsyncIterableIterator<T>, pay: () => Promise<void>): AsyncIterableIterator<T> {
  return {
    async next() {
      await pay();
      return source.next();
    },
    return: () => source.return?.() ?? Promise.resolve({ value: undefined, done: true }),
    throw: (e?: unknown) => source.throw?.(e) ?? Promise.reject(e),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
