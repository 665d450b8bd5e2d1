/**
 * A value read at most once per interval, whatever the number of readers: the database-derived
 * gauges go through one, so a scrape flood costs the database one set of COUNT queries per
 * interval. Readers within the interval get the last outcome (a failed refresh too: an unreachable
 * database is not asked again on every scrape); readers arriving while a refresh runs share it.
 */
export interface ThrottledReadingOptions {
  /** Shortest time (ms) between two refreshes; 0 refreshes on every read not sharing a running one. */
  readonly intervalMs: number;
  /** Called as each refresh starts (the refresh counter). */
  readonly onRefresh?: () => void;
  readonly now?: () => number;
}

export class ThrottledReading<T> {
  private last: { readonly at: number; readonly value: Promise<T> } | null = null;
  private running: Promise<T> | null = null;
  private readonly now: () => number;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly options: ThrottledReadingOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get(): Promise<T> {
    if (this.running) return this.running;
    if (this.last && this.now() - this.last.at < this.options.intervalMs) return this.last.value;
    this.options.onRefresh?.();
    const at = this.now();
    const value = Promise.resolve().then(this.read);
    // Kept for later readers whatever the outcome; a rejection nobody awaits must not go unhandled.
    value.catch(() => {});
    this.running = value;
    this.last = { at, value };
    const done = () => {
      if (this.running === value) this.running = null;
    };
    value.then(done, done);
    return value;
  }
}
