/**
 * The use cases the scheduler worker runs: one lifecycle step of an epoch, and the periodic start
 * of a topic. Each is one transaction that locks the row it decides on, so a step racing another
 * step, an operator override or a cancel sees the committed state; re-running a job after a crash
 * finds its work done and ends quietly (no transition is ever applied twice).
 *
 * Only an epoch's next step is queued: each transition queues the job of the step after it in its
 * own transaction (see `queueNextStep`), so a step's prerequisite has always committed before its
 * job exists. A next step that is already due (complete after close-reputer, at the same instant;
 * every overdue step after downtime) is not queued: the worker that made it next runs it right
 * after the commit, in a transaction of its own, while it still holds its own job. That job is the
 * safety net: if the worker dies in between, the job is released (see the orphan sweeper), runs
 * again, finds its own step done and resumes the epoch from its next due step.
 */
import {
  EpochTransition,
  applyTransition,
  TransitionSource,
  decideTask,
  isTerminal,
  lifecycleSteps,
  periodicStartAt,
  planPeriodicStart,
  requiredState,
  type EpochWindows,
  type LifecycleStep,
  type TaskDecision,
} from "../domain/index.js";
import type { Clock } from "./lifecycle-service.js";
import type { JobSchedulerPort, LifecycleStorePort, PeriodicStart } from "./lifecycle-ports.js";
import type { EpochKey, EpochRecord, TransitionLogRecord } from "./records.js";

/** START_LATE_TOLERANCE_MS's default. */
export const DEFAULT_START_LATE_TOLERANCE_MS = 1000;

export type StepOutcome =
  | TaskDecision
  | {
      readonly kind: "applied";
      readonly record: TransitionLogRecord;
      /** The epoch as this step left it (hand it to the next step as `expected`). */
      readonly epoch: EpochRecord;
      /** With `chain`: the epoch's next step, already due and not queued, which the caller is to run now. */
      readonly next?: LifecycleStep;
    }
  | {
      /**
       * With `chain`: this step had happened already (a worker died between it and the next one),
       * and the epoch's next step is due and not queued: the caller is to run it now.
       */
      readonly kind: "resume";
      readonly epoch: EpochRecord;
      readonly next: LifecycleStep;
    };

export type PeriodicOutcome =
  | {
      readonly kind: "started" | "already-started";
      /** The period's index on the job's grid. */
      readonly index: number;
      /** Periods this start skipped (0 when it had already happened). */
      readonly missed: number;
      /** When the epoch started: its grid instant, or (`late`) when the start ran. */
      readonly startAt: number;
      readonly late: boolean;
    }
  | { readonly kind: "skip"; readonly reason: string };

export interface RunStepOptions {
  /**
   * When the prerequisite has not happened yet, reschedule the step's job for this instant in the
   * same transaction (so a concurrent cancel, which removes the job, cannot be undone by it).
   */
  readonly requeueAt?: number;
  /**
   * The caller holds a job that runs again if the caller dies, and runs the epoch's next step
   * itself when it is already due: that step is then not queued, and the outcome carries it.
   */
  readonly chain?: boolean;
  /**
   * Awaited under the epoch's lock, after the decision and before anything is written: a worker
   * opens the transaction a little ahead of the due instant and waits for it here, so only the
   * writes lie between the instant and the transition.
   */
  readonly beforeWrite?: () => Promise<void>;
  /** Called with the epoch as written, before the transaction commits (see runStep). */
  readonly afterWrite?: (epoch: EpochRecord) => void;
  /**
   * The step's instant (ms): the epoch is read ahead without a lock and, when the step applies,
   * written by one statement sent now that waits on the database server until this instant.
   */
  readonly notBefore?: number;
  /**
   * Called once that one statement is on its way, with the epoch as it will leave it: a successor
   * sent from now on queues behind it on the epoch's lock.
   */
  readonly onSent?: (epoch: EpochRecord) => void;
  /**
   * The epoch as the caller knows it is now or is about to be (its predecessor, written and
   * committing): the step is then one statement without a read, which waits for the
   * predecessor's commit on the epoch's row. When the epoch is not in that version, the step
   * reads and decides as usual.
   */
  readonly expected?: EpochRecord;
}

export interface ScheduledWorkRunner {
  /** Apply `transition` to the epoch if it is due by state and queue the step after it. */
  runStep(key: EpochKey, transition: EpochTransition, opts?: RunStepOptions): Promise<StepOutcome>;
  /**
   * Start the topic's epoch `index` (or the current one after downtime) and schedule the next.
   * `beforeWrite` is awaited after the decision, before anything is written (see RunStepOptions);
   * with `notBefore` the unlocked attempt's write waits on the database server until that instant.
   */
  runPeriodicStart(job: PeriodicStart, opts?: { beforeWrite?: () => Promise<void>; notBefore?: number }): Promise<PeriodicOutcome>;
}

export interface ScheduledWorkOptions {
  /** A periodic start later than this (ms) after its instant starts when it runs and re-anchors. */
  readonly startLateToleranceMs: number;
  /** Told of periodic starts skipped (after the catch-up start that skipped them committed). */
  readonly onMissedStarts?: (count: number, topicId: bigint) => void;
}

export class ScheduledWork<Tx> implements ScheduledWorkRunner {
  constructor(
    private readonly store: LifecycleStorePort<Tx>,
    private readonly jobs: JobSchedulerPort<Tx>,
    private readonly now: Clock = Date.now,
    private readonly opts: ScheduledWorkOptions = { startLateToleranceMs: DEFAULT_START_LATE_TOLERANCE_MS },
  ) {}

  async runStep(key: EpochKey, transition: EpochTransition, opts: RunStepOptions = {}): Promise<StepOutcome> {
    // One statement when the epoch is known (handed over) or, for a step sent ahead of its instant,
    // read ahead without a lock. Nothing written (the predecessor rolled back, someone moved the
    // epoch meanwhile) falls through to the locked read below, which decides as usual.
    const known = opts.expected ?? (opts.notBefore !== undefined ? await this.store.readEpoch(key) : null);
    if (known && decideTask(transition, known.state).kind === "apply") {
      const applied = await this.applyKnownStep(key, transition, known, opts);
      if (applied) return applied;
    }
    return this.store.transaction(async (tx): Promise<StepOutcome> => {
      // The advisory lock serializes the epoch's transitions; reading without a row lock keeps this
      // transaction id-less (not holding back the log's settled horizon) while it waits for its
      // instant; the version compare-and-set of the write catches any writer bypassing the lock.
      const epoch = await this.store.epochs.get(tx, key, { serialize: true });
      if (!epoch) return { kind: "skip", reason: "epoch not found" };
      const decision = decideTask(transition, epoch.state);
      if (decision.kind === "wait" && opts.requeueAt !== undefined) {
        const step = lifecycleSteps(epoch.windows).find((s) => s.transition === transition);
        if (step) await this.jobs.scheduleStep(tx, key, step, { runAt: opts.requeueAt });
      }
      if (decision.kind === "skip" && opts.chain && !isTerminal(epoch.state)) {
        const next = nextStepJob(epoch, { chain: true, now: this.now() });
        if (next?.runNow) return { kind: "resume", epoch, next: next.step };
      }
      if (decision.kind !== "apply") return decision;
      await opts.beforeWrite?.();
      const applied = await this.store.applyTransitionIn(tx, {
        ...key,
        transition,
        source: TransitionSource.SCHEDULER,
        dueAt: new Date(dueAt(epoch.windows, transition)),
        expectedVersion: epoch.version,
        current: epoch,
      });
      // Row-locked and written, not committed: a successor handed `applied.epoch` now runs the
      // moment this commits.
      opts.afterWrite?.(applied.epoch);
      const next = nextStepJob(applied.epoch, { chain: opts.chain === true, now: this.now() });
      if (next && !next.runNow) await this.jobs.scheduleStep(tx, key, next.step);
      return { kind: "applied", record: applied.record, epoch: applied.epoch, next: next?.runNow ? next.step : undefined };
    });
  }

  private async applyKnownStep(key: EpochKey, transition: EpochTransition, epoch: EpochRecord, opts: RunStepOptions): Promise<StepOutcome | null> {
    const after = applyTransition(epoch, transition).epoch;
    // Written at notBefore at the earliest: what is due then is run at once, not queued.
    const next = nextStepJob(after, { chain: opts.chain === true, now: Math.max(this.now(), opts.notBefore ?? 0) });
    const sent = this.store.applyKnown(
      { ...key, transition, source: TransitionSource.SCHEDULER, dueAt: new Date(dueAt(epoch.windows, transition)), current: epoch },
      { remove: [], add: next && !next.runNow ? { step: next.step } : undefined },
      { notBefore: opts.notBefore },
    );
    opts.onSent?.(after);
    const applied = await sent;
    if (!applied) return null;
    return { kind: "applied", record: applied.record, epoch: applied.epoch, next: next?.runNow ? next.step : undefined };
  }

  /**
   * Catch-up policy (src/domain/periodic-start.ts): a start running at most `startLateToleranceMs`
   * after its instant starts on the grid (no drift); one running later (after downtime) starts the
   * current period's epoch at the instant it runs, with full windows, and re-anchors the schedule
   * there (the topic's activatedAt; the next start one epochLength later). The periods whose
   * instants passed meanwhile are skipped, not started in a burst, and counted on the topic
   * (missedStarts) by the same write that starts the epoch.
   *
   * Idempotent: a re-run after a crash finds the epoch of its period started at the grid instant,
   * or the topic re-anchored by the late start (the job's anchor is then stale).
   *
   * The first attempt reads the topic without a lock and writes the epoch in one statement that
   * checks the topic is unchanged, so a worker can prepare it ahead of the instant (`beforeWrite`)
   * without holding a row lock; if the topic changed meanwhile, the second attempt locks it.
   */
  async runPeriodicStart(job: PeriodicStart, opts: { beforeWrite?: () => Promise<void>; notBefore?: number } = {}): Promise<PeriodicOutcome> {
    const outcome = await this.startPeriodic(job, opts);
    // Committed: counted once, by the start that skipped them.
    if (outcome.kind === "started" && outcome.missed > 0) this.opts.onMissedStarts?.(outcome.missed, job.topicId);
    return outcome;
  }

  private startPeriodic(job: PeriodicStart, opts: { beforeWrite?: () => Promise<void>; notBefore?: number }): Promise<PeriodicOutcome> {
    return this.store.transaction(async (tx): Promise<PeriodicOutcome> => {
      for (const locked of [false, true]) {
        const topic = await this.store.topics.get(tx, job.topicId, { forUpdate: locked });
        if (!topic) return { kind: "skip", reason: "topic not found" };
        // A job from an earlier activation or schedule (or one left by a deactivation) does nothing.
        if (!topic.active || topic.activatedAt?.getTime() !== job.anchor) return { kind: "skip", reason: "stale periodic start" };
        const plan = planPeriodicStart(topic, job.anchor, job.index, this.now(), this.opts.startLateToleranceMs);
        const already = await this.store.epochs.existsStartedAt(tx, topic.id, plan.gridAt);
        if (already) {
          // Started on the grid by an earlier run of this job: keep that run's schedule.
          const next = { topicId: topic.id, anchor: job.anchor, index: plan.index + 1 };
          await this.jobs.schedulePeriodicStart(tx, next, periodicStartAt(topic, job.anchor, next.index));
          return { kind: "already-started", index: plan.index, missed: 0, startAt: plan.gridAt, late: false };
        }
        const schedule = { missed: plan.missed, reanchorAt: plan.late ? plan.startAt : undefined };
        // Waited for already when the first attempt got here and found the topic changed.
        if (!locked) await opts.beforeWrite?.();
        const started = locked
          ? await this.store.startEpochIn(tx, topic.id, plan.startAt, TransitionSource.SCHEDULER, schedule)
          : await this.store.startEpochIfUnchanged(tx, topic, plan.startAt, TransitionSource.SCHEDULER, job.anchor, { notBefore: opts.notBefore, schedule });
        if (!started) continue;
        await queueNextStep(this.jobs, tx, started.epoch);
        const next = { topicId: topic.id, anchor: plan.next.anchor, index: plan.next.index };
        await this.jobs.schedulePeriodicStart(tx, next, plan.next.at);
        return { kind: "started", index: plan.index, missed: plan.missed, startAt: plan.startAt, late: plan.late };
      }
      throw new Error("unreachable: the locked attempt always decides");
    });
  }
}

/** The step an epoch in its current state waits for; undefined once it is finished. */
export function nextStep(epoch: EpochRecord): LifecycleStep | undefined {
  if (isTerminal(epoch.state)) return undefined;
  return lifecycleSteps(epoch.windows).find((s) => requiredState(s.transition) === epoch.state);
}

/**
 * The epoch's next step and whether it is to be run at once instead of queued: with `chain`, a
 * step already due at `now` (the caller runs it; its own job is the safety net).
 */
export function nextStepJob(epoch: EpochRecord, opts: { chain?: boolean; now?: number } = {}): { step: LifecycleStep; runNow: boolean } | undefined {
  const step = nextStep(epoch);
  if (!step) return undefined;
  return { step, runNow: opts.chain === true && opts.now !== undefined && step.dueAt <= opts.now };
}

/** Queue the job of the epoch's next step (unless `nextStepJob` says to run it now) in the caller's transaction. */
export async function queueNextStep<Tx>(
  jobs: JobSchedulerPort<Tx>,
  tx: Tx,
  epoch: EpochRecord,
  opts: { chain?: boolean; now?: number } = {},
): Promise<{ step: LifecycleStep; runNow: boolean } | undefined> {
  const next = nextStepJob(epoch, opts);
  if (next && !next.runNow) await jobs.scheduleStep(tx, epoch, next.step);
  return next;
}

/** The instant a step was due: its window time. */
export function dueAt(windows: EpochWindows, transition: EpochTransition): number {
  if (transition === EpochTransition.OPEN_WORKER_WINDOW) return windows.workerOpenAt;
  const step: LifecycleStep | undefined = lifecycleSteps(windows).find((s) => s.transition === transition);
  if (!step) throw new Error(`${EpochTransition[transition]} is not a scheduled step`);
  return step.dueAt;
}
