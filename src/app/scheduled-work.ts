/**
 * The use cases the scheduler worker runs: one lifecycle step of an epoch, and the periodic start
 * of a topic. Each is one transaction that locks the row it decides on, so a step racing another
 * step, an operator override or a cancel sees the committed state; re-running a job after a crash
 * finds its work done and ends quietly (no transition is ever applied twice).
 */
import {
  EpochTransition,
  TransitionSource,
  decideTask,
  lifecycleSteps,
  periodicStartAt,
  periodicStartIndex,
  type EpochWindows,
  type LifecycleStep,
  type TaskDecision,
} from "../domain/index.js";
import type { Clock } from "./lifecycle-service.js";
import type { JobSchedulerPort, LifecycleStorePort, PeriodicStart } from "./lifecycle-ports.js";
import type { EpochKey, TransitionLogRecord } from "./records.js";

export type StepOutcome = TaskDecision | { readonly kind: "applied"; readonly record: TransitionLogRecord };

export type PeriodicOutcome =
  | { readonly kind: "started" | "already-started"; readonly index: number; readonly missed: number }
  | { readonly kind: "skip"; readonly reason: string };

export interface ScheduledWorkRunner {
  /**
   * Apply `transition` to the epoch if it is due by state. When its prerequisite has not happened
   * yet, the result is "wait"; with `requeueAt`, the step's job is rescheduled for then in the
   * same transaction (so a concurrent cancel, which removes the job, cannot be undone by it).
   */
  runStep(key: EpochKey, transition: EpochTransition, opts?: { requeueAt?: number }): Promise<StepOutcome>;
  /** Start the topic's epoch `index` (or the current one after downtime) and schedule the next. */
  runPeriodicStart(job: PeriodicStart): Promise<PeriodicOutcome>;
}

export class ScheduledWork<Tx> implements ScheduledWorkRunner {
  constructor(
    private readonly store: LifecycleStorePort<Tx>,
    private readonly jobs: JobSchedulerPort<Tx>,
    private readonly now: Clock = Date.now,
  ) {}

  runStep(key: EpochKey, transition: EpochTransition, opts: { requeueAt?: number } = {}): Promise<StepOutcome> {
    return this.store.transaction(async (tx): Promise<StepOutcome> => {
      const epoch = await this.store.epochs.get(tx, key, { forUpdate: true });
      if (!epoch) return { kind: "skip", reason: "epoch not found" };
      const decision = decideTask(transition, epoch.state);
      if (decision.kind === "wait" && opts.requeueAt !== undefined) {
        const step = lifecycleSteps(epoch.windows).find((s) => s.transition === transition);
        if (step) await this.jobs.requeueStep(tx, key, step, opts.requeueAt);
      }
      if (decision.kind !== "apply") return decision;
      const { record } = await this.store.applyTransitionIn(tx, {
        ...key,
        transition,
        source: TransitionSource.SCHEDULER,
        dueAt: new Date(dueAt(epoch.windows, transition)),
        expectedVersion: epoch.version,
      });
      return { kind: "applied", record };
    });
  }

  /**
   * Catch-up policy: after downtime only the current period's epoch is started (at its aligned
   * instant, possibly in the past); the missed ones are skipped, not started in a burst.
   */
  runPeriodicStart(job: PeriodicStart): Promise<PeriodicOutcome> {
    return this.store.transaction(async (tx): Promise<PeriodicOutcome> => {
      const topic = await this.store.topics.get(tx, job.topicId, { forUpdate: true });
      if (!topic) return { kind: "skip", reason: "topic not found" };
      // A job from an earlier activation (or one left by a deactivation) does nothing.
      if (!topic.active || topic.activatedAt?.getTime() !== job.anchor) return { kind: "skip", reason: "stale periodic start" };
      const index = Math.max(job.index, periodicStartIndex(topic, job.anchor, this.now()));
      const startAt = periodicStartAt(topic, job.anchor, index);
      // Idempotent: a re-run after a crash finds the epoch of this instant already started.
      const already = await this.store.epochs.existsStartedAt(tx, topic.id, startAt);
      if (!already) {
        const { epoch } = await this.store.startEpochIn(tx, topic.id, startAt, TransitionSource.SCHEDULER);
        await this.jobs.scheduleEpochSteps(tx, epoch);
      }
      const next = { topicId: topic.id, anchor: job.anchor, index: index + 1 };
      await this.jobs.schedulePeriodicStart(tx, next, periodicStartAt(topic, job.anchor, next.index));
      return { kind: already ? "already-started" : "started", index, missed: index - job.index };
    });
  }
}

/** The instant a step was due: its window time. */
export function dueAt(windows: EpochWindows, transition: EpochTransition): number {
  if (transition === EpochTransition.OPEN_WORKER_WINDOW) return windows.workerOpenAt;
  const step: LifecycleStep | undefined = lifecycleSteps(windows).find((s) => s.transition === transition);
  if (!step) throw new Error(`${EpochTransition[transition]} is not a scheduled step`);
  return step.dueAt;
}
