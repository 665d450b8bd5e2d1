/**
 * The scheduler worker: asks the database when each kind of work falls due, runs what is due in
 * set-based batches (src/app/scheduler.ts), and sleeps until the next due instant. A committed
 * change of the schedule (an operator's start or override, an activation) is announced on
 * SCHEDULE_CHANNEL and wakes it early; it also looks at least every `maxSleepMs`, which covers
 * notices missed while its LISTEN session reconnects and work that another worker's batches made
 * due. Any number of workers may run against one database: the batches skip rows others hold.
 * Stopping finishes the batch in flight; the rest stays due for others or for the next start.
 */
import { randomUUID } from "node:crypto";
import { SCHEDULE_CHANNEL, earliestDue, type DueInstants } from "../app/scheduler-ports.js";
import { PgSession } from "../platform/pg-session.js";

/** The worker's time: readings and timers, injectable so tests can drive them. */
export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: SchedulerClock = {
  now: Date.now,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What the worker runs (src/app/scheduler.ts's Scheduler). */
export interface DueWork {
  dueInstants(): Promise<DueInstants>;
  runDue(now: number, due: DueInstants, stopping: () => boolean): Promise<number>;
}

export interface SchedulerWorkerOptions {
  /** For the LISTEN session that hears schedule changes. */
  readonly connectionString: string;
  readonly work: DueWork;
  /** The longest the worker sleeps without looking at the schedule (ms). */
  readonly maxSleepMs: number;
  readonly clock?: SchedulerClock;
  readonly onError: (error: Error) => void;
}

export interface WorkerHandle {
  /** Names this worker in logs. */
  readonly id: string;
  /** Why the worker cannot do its work right now (the database does not answer), or null. */
  readonly problem: string | null;
  /** Finish the batch in flight, stop, disconnect. */
  stop(): Promise<void>;
  /** Settles when the worker has stopped. */
  readonly done: Promise<void>;
}

const ERROR_BACKOFF_MIN_MS = 100;
const ERROR_BACKOFF_MAX_MS = 5000;
/**
 * How long a worker waits before asking again when work was due by a fresh reading and none of it
 * could be applied: its rows are held (another worker's batch in flight, an operator's command, a
 * dead worker's statement the server has not ended yet). Asking again at once would spin; other
 * work falling due meanwhile waits at most this long, so it stays well inside the lateness goal.
 */
const HELD_RETRY_MS = 10;
/**
 * A worker whose rounds keep finding nothing it can apply (another worker, awake first, took it)
 * defers: it wakes at most every `defer` ms, doubling from 2 ms up to this, so a second worker
 * stands by instead of racing the first one for every row and every CPU slice. Its first round that
 * applies something (the other one is behind, or gone) resets it.
 */
const MAX_DEFER_MS = 20;

/** Starts a worker; rejects when its LISTEN session cannot connect (start-up errors are the caller's). */
export async function startSchedulerWorker(opts: SchedulerWorkerOptions): Promise<WorkerHandle> {
  const clock = opts.clock ?? systemClock;
  const id = randomUUID().slice(0, 8);
  let stopping = false;
  let problem: string | null = null;
  /** The earliest instant heard of while not asleep: the next sleep ends by then. */
  let heardAt = Infinity;
  let sleeper: { until: number; handle: unknown; heard: boolean; resolve: (ownTimer: boolean) => void } | null = null;

  const wakeAt = (at: number) => {
    if (!sleeper) {
      heardAt = Math.min(heardAt, at);
      return;
    }
    if (at >= sleeper.until) return;
    const s = sleeper;
    clock.clearTimeout(s.handle);
    s.until = at;
    s.heard = true;
    s.handle = clock.setTimeout(() => s.resolve(false), Math.max(0, at - clock.now()));
  };
  /** Resolves true when it slept until `until` undisturbed (what was due then is still known). */
  const sleepUntil = (until: number) =>
    new Promise<boolean>((resolve) => {
      const end = Math.min(until, heardAt);
      const heard = end < until;
      heardAt = Infinity;
      if (stopping) return resolve(false);
      const s = { until: end, heard, handle: undefined as unknown, resolve };
      s.handle = clock.setTimeout(() => resolve(!s.heard), Math.max(0, end - clock.now()));
      sleeper = s;
    }).finally(() => {
      if (sleeper) clock.clearTimeout(sleeper.handle);
      sleeper = null;
    });

  const session = new PgSession({
    connectionString: opts.connectionString,
    applicationName: "epoch-windows scheduler",
    setup: async (client) => void (await client.query(`LISTEN ${SCHEDULE_CHANNEL}`)),
    onNotification: (msg) => {
      const at = Number(msg.payload);
      wakeAt(Number.isFinite(at) ? at : 0);
    },
    // Notices may have been missed while it was down: look now.
    onReconnected: () => wakeAt(0),
    onError: opts.onError,
  });
  await session.open();

  const done = (async () => {
    let backoff = ERROR_BACKOFF_MIN_MS;
    /** What was due when the worker went to sleep until the first of it, if nothing changed since. */
    let known: DueInstants | null = null;
    let defer = 0;
    while (!stopping) {
      try {
        const fresh = known === null;
        const due: DueInstants = known ?? (await opts.work.dueInstants());
        known = null;
        const now = clock.now();
        const next = earliestDue(due);
        problem = null;
        backoff = ERROR_BACKOFF_MIN_MS;
        if (next !== null && next <= now) {
          const applied = await opts.work.runDue(now, due, () => stopping);
          defer = applied > 0 ? 0 : Math.min(Math.max(2 * defer, 2), MAX_DEFER_MS);
          if (applied === 0 && fresh) await sleepUntil(clock.now() + HELD_RETRY_MS);
          continue;
        }
        const until = Math.min(next === null ? Infinity : Math.max(next, now + defer), now + opts.maxSleepMs);
        // Woken by its own timer at the instant it knew of: run that without asking again (one
        // round trip less between the instant and the write). Anything heard meanwhile: ask.
        if ((await sleepUntil(until)) && until === next) known = due;
      } catch (e) {
        problem = `the scheduler cannot reach the database: ${(e as Error).message}`;
        opts.onError(e as Error);
        await sleepUntil(clock.now() + backoff);
        backoff = Math.min(backoff * 2, ERROR_BACKOFF_MAX_MS);
      }
    }
    await session.close();
  })();

  let stopped: Promise<void> | undefined;
  return {
    id,
    get problem() {
      return stopping ? "the scheduler worker is stopping" : problem;
    },
    done,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        sleeper?.resolve(false);
        await done;
      })();
      return stopped;
    },
  };
}
