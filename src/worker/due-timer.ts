/**
 * Wakes the worker pool at the instant jobs fall due. graphile-worker looks for due jobs only when
 * told of an insert or every pollInterval, so a job due in 3 s would run up to a poll late. Here one
 * timer per process is armed for the earliest known pending run_at. Schedulers announce the run_at
 * of every job they queue on JOBS_DUE_CHANNEL (delivered on commit), so the timer needs no query on
 * the hot path; every `fallbackMs` the pending instants are re-read from the queue, which also drops
 * those of removed jobs (a stale instant only costs one empty look for a job). When the LISTEN
 * connection drops (e.g. PostgreSQL restarted) it is re-established with backoff and the instants
 * are re-read; meanwhile graphile-worker's own poll keeps jobs moving.
 */
import { JOBS_DUE_CHANNEL } from "../jobs/job-scheduler.js";
import { DueInstants } from "./due-instants.js";
import { PgSession } from "./pg-session.js";

export interface DueTimerOptions {
  readonly connectionString: string;
  /** Ask up to `count` idle workers of the pool to look for a job now. */
  readonly nudge: (count: number) => void;
  readonly fallbackMs: number;
  readonly onError: (error: Error) => void;
}

/** Fire 1 ms late so that, in SQL, the job's run_at ≤ now(). */
const SLACK_MS = 1;

export class DueTimer {
  private readonly session: PgSession;
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private fallback: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  /** Instants heard of while a re-read is under way (it may not see their jobs yet). */
  private heardDuringRefresh: number[] | null = null;
  private readonly due = new DueInstants();
  private stopped = false;

  constructor(private readonly opts: DueTimerOptions) {
    this.session = new PgSession({
      connectionString: opts.connectionString,
      applicationName: "epoch-windows due-timer",
      setup: async (client) => void (await client.query(`LISTEN "${JOBS_DUE_CHANNEL}"`)),
      onNotification: (msg) => {
        const instants = (msg.payload ?? "").split(",").map(Number).filter(Number.isFinite);
        this.heardDuringRefresh?.push(...instants);
        for (const at of instants) this.due.add(at);
        this.rearm();
      },
      // Deaf while it was down: what was queued meanwhile is read from the queue.
      onReconnected: () => void this.refresh(),
      onError: opts.onError,
    });
  }

  async start(): Promise<void> {
    await this.session.open();
    this.fallback = setInterval(() => void this.refresh(), this.opts.fallbackMs);
    await this.refresh();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.fallback) clearInterval(this.fallback);
    await this.refreshing?.catch(() => {});
    await this.session.close();
  }

  /** Arm the timer for the earliest known instant, if that is not already the one armed. */
  private rearm(): void {
    const next = this.due.earliest();
    if (this.stopped || next === undefined || next === this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - Date.now() + SLACK_MS));
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    // Wake as many workers as jobs fell due, so an idle pool does not stampede the queue.
    const count = this.due.takeUntil(Date.now());
    if (count > 0) this.opts.nudge(count);
    this.rearm();
  }

  /** Re-read the pending instants from the queue; nudge for jobs already due and unclaimed. */
  private refresh(): Promise<void> {
    if (this.refreshing || this.stopped) return this.refreshing ?? Promise.resolve();
    this.refreshing = (async () => {
      const client = this.session.current;
      if (!client) return;
      this.heardDuringRefresh = [];
      const { rows } = await client.query<{ at: number | null; overdue: boolean }>(`
        SELECT (extract(epoch FROM run_at) * 1000)::float8 AS at, run_at <= now() AS overdue
        FROM graphile_worker._private_jobs WHERE is_available`);
      const overdue = rows.filter((r) => r.overdue).length;
      this.due.reset([...rows.filter((r) => !r.overdue).map((r) => r.at!), ...this.heardDuringRefresh]);
      this.heardDuringRefresh = null;
      if (overdue > 0) this.opts.nudge(overdue);
      this.armedFor = Infinity;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.rearm();
    })()
      .catch((e: Error) => this.opts.onError(e))
      .finally(() => {
        this.heardDuringRefresh = null;
        this.refreshing = null;
      });
    return this.refreshing;
  }
}
