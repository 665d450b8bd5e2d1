/**
 * The scheduler's use case: apply everything due at an instant, in set-based batches. Periodic
 * starts go first (a new epoch could be due for its next step at once), then each kind of step in
 * lifecycle order, so an epoch overdue by several steps (after downtime) passes through all of them
 * in one round and COMPLETE follows CLOSE_REPUTER_WINDOW at its instant. A kind is repeated while
 * its batches come back full; overdue work therefore runs in due order, a batch at a time, never as
 * a burst. Every batch is its own transaction: a crash loses at most the batch in flight, whose
 * rows are still due and are taken by the next round, here or in another worker.
 */
import { EpochState, SCHEDULED_STEPS, nextNonce, planStart } from "../domain/index.js";
import type { TransitionLogRecord } from "./records.js";
import type { DueInstants, DueTopic, DueWorkPort, PlannedStart } from "./scheduler-ports.js";

export interface SchedulerOptions {
  /** Rows per batch statement. */
  readonly batchSize: number;
  /** A periodic start later than this (ms) after its instant starts when it runs and re-anchors. */
  readonly startLateToleranceMs: number;
  /** Told of every committed batch's log records (metrics). */
  readonly onApplied?: (records: readonly TransitionLogRecord[]) => void;
  /** Told of periodic starts skipped, after the start that skipped them committed. */
  readonly onMissedStarts?: (count: number, topicId: bigint) => void;
}

/** START_LATE_TOLERANCE_MS's default. */
export const DEFAULT_START_LATE_TOLERANCE_MS = 1000;

export class Scheduler {
  constructor(
    private readonly due: DueWorkPort,
    private readonly opts: SchedulerOptions,
  ) {}

  /**
   * Apply what is due at `now` by `due` (as dueInstants() read it just before); returns how many
   * transitions were applied. A kind not due by `due` still runs when an earlier kind of this round
   * fed its state (an overdue epoch moves on through every step due). `stopping` is asked between
   * batches: a worker told to stop finishes the batch in flight and leaves the rest due.
   */
  async runDue(now: number, due: DueInstants, stopping: () => boolean = () => false): Promise<number> {
    let applied = 0;
    const isDue = (at: number | null) => at !== null && at <= now;
    const fed = new Set<EpochState>();
    if (isDue(due.start)) {
      const plan = (topic: DueTopic): PlannedStart => ({ ...planStart(topic, now, this.opts.startLateToleranceMs), topicId: topic.id, nonce: nextNonce(topic.lastNonce) });
      for (;;) {
        if (stopping()) return applied;
        const batch = await this.due.startDueEpochs(now, this.opts.batchSize, plan);
        applied += this.report(batch.records);
        if (batch.records.length) fed.add(EpochState.WORKER_SUBMISSION);
        for (const s of batch.starts) if (s.missed > 0) this.opts.onMissedStarts?.(s.missed, s.topicId);
        if (batch.starts.length < this.opts.batchSize) break;
      }
    }
    for (const [i, step] of SCHEDULED_STEPS.entries()) {
      if (!isDue(due.steps[i] ?? null) && !fed.has(step.from)) continue;
      for (;;) {
        if (stopping()) return applied;
        const records = await this.due.applyDueSteps(step, now, this.opts.batchSize);
        applied += this.report(records);
        if (records.length) fed.add(step.to);
        if (records.length < this.opts.batchSize) break;
      }
    }
    return applied;
  }

  /** When each kind of work next falls due. */
  dueInstants(): Promise<DueInstants> {
    return this.due.dueInstants();
  }

  private report(records: readonly TransitionLogRecord[]): number {
    if (records.length) {
      try {
        this.opts.onApplied?.(records);
      } catch {
        // An observer's failure must not turn committed work into an error.
      }
    }
    return records.length;
  }
}
