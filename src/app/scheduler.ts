/**
 * The scheduler's use case: apply everything due at an instant, in set-based batches: periodic
 * starts and each kind of step, side by side, then the kinds their batches fed, so an epoch overdue
 * by several steps (after downtime) passes through all of them in one round and COMPLETE follows
 * CLOSE_REPUTER_WINDOW at its instant. A kind is repeated while its batches come back full; overdue
 * work therefore runs in due order, a batch at a time, never as a burst. Every batch is its own transaction: a crash loses at most the batch in flight, whose
 * rows are still due and are taken by the next round, here or in another worker.
 */
import { EpochState, SCHEDULED_STEPS, nextNonce, planStart, type ScheduledStep } from "../domain/index.js";
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
   * transitions were applied. The kinds due run side by side (they move epochs in different states,
   * so they never touch the same row), each repeating its batches while they come back full; then
   * the kinds those batches fed run (COMPLETE after CLOSE_REPUTER_WINDOW at the same instant; an
   * overdue epoch moving on through every step due), until nothing more is fed. An epoch's own
   * steps stay in lifecycle order: it is in one state at a time. `stopping` is asked between
   * batches: a worker told to stop finishes the batches in flight and leaves the rest due.
   */
  async runDue(now: number, due: DueInstants, stopping: () => boolean = () => false): Promise<number> {
    const isDue = (at: number | null) => at !== null && at <= now;
    let starts = isDue(due.start);
    let steps = SCHEDULED_STEPS.filter((_, i) => isDue(due.steps[i] ?? null));
    let applied = 0;
    // `stopping` is asked before each batch (inside the kinds' loops), not again here.
    while (starts || steps.length) {
      const fed = new Set<EpochState>();
      const counts = await Promise.all([
        starts ? this.runStarts(now, stopping, fed) : 0,
        ...steps.map((step) => this.runStep(step, now, stopping, fed)),
      ]);
      applied += counts.reduce((a, b) => a + b, 0);
      starts = false;
      steps = SCHEDULED_STEPS.filter((s) => fed.has(s.from));
    }
    return applied;
  }

  private async runStarts(now: number, stopping: () => boolean, fed: Set<EpochState>): Promise<number> {
    const plan = (topic: DueTopic): PlannedStart => ({ ...planStart(topic, now, this.opts.startLateToleranceMs), topicId: topic.id, nonce: nextNonce(topic.lastNonce) });
    let applied = 0;
    while (!stopping()) {
      const batch = await this.due.startDueEpochs(now, this.opts.batchSize, plan);
      applied += this.report(batch.records);
      if (batch.records.length) fed.add(EpochState.WORKER_SUBMISSION);
      for (const s of batch.starts) if (s.missed > 0) this.opts.onMissedStarts?.(s.missed, s.topicId);
      if (batch.starts.length < this.opts.batchSize) break;
    }
    return applied;
  }

  private async runStep(step: ScheduledStep, now: number, stopping: () => boolean, fed: Set<EpochState>): Promise<number> {
    let applied = 0;
    while (!stopping()) {
      const records = await this.due.applyDueSteps(step, now, this.opts.batchSize);
      applied += this.report(records);
      if (records.length) fed.add(step.to);
      if (records.length < this.opts.batchSize) break;
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
