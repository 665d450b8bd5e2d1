/**
 * The periodic start's catch-up rule, as the chain's relative schedule has it: an epoch never
 * starts in the past. A start running on time (at most `toleranceMs` after its grid instant) starts
 * on the grid, so on-time starts never drift; one running later starts at the instant it runs, with
 * full windows, and the schedule re-anchors there (the next start one epochLength later). Periods
 * whose instants passed while nothing ran are skipped and counted, never started in a burst.
 */
import type { TopicSettings } from "./topic-settings.js";
import { periodicStartAt, periodicStartIndex, type Instant } from "./windows.js";

export interface PeriodicStartPlan {
  /** When the epoch starts: a grid instant (possibly in the future: the caller waits), or `now`. */
  readonly startAt: Instant;
  /** Index on the current grid of the period this start serves (≥ the job's index). */
  readonly index: number;
  /** That period's grid instant: where a start that already happened for it would be found. */
  readonly gridAt: Instant;
  /** True when the start runs late by more than the tolerance and so starts at `now`. */
  readonly late: boolean;
  /** Periods since the job's one whose instant passed without an epoch (this start serves one). */
  readonly missed: number;
  /** The schedule after this start: epoch `index` starts at `anchor` + index·epochLength. */
  readonly next: { readonly anchor: Instant; readonly index: number; readonly at: Instant };
}

/**
 * Decide the start of period `index` of the grid `anchor` + n·epochLength for a job running at `now`.
 * Pure: the clock is an argument.
 */
export function planPeriodicStart(settings: TopicSettings, anchor: Instant, index: number, now: Instant, toleranceMs: number): PeriodicStartPlan {
  if (!(toleranceMs >= 0)) throw new RangeError(`toleranceMs must be ≥ 0, got ${toleranceMs}`);
  const current = Math.max(index, periodicStartIndex(settings, anchor, now));
  const gridAt = periodicStartAt(settings, anchor, current);
  const missed = current - index;
  if (now - gridAt <= toleranceMs) {
    return { startAt: gridAt, index: current, gridAt, late: false, missed, next: { anchor, index: current + 1, at: periodicStartAt(settings, anchor, current + 1) } };
  }
  return { startAt: now, index: current, gridAt, late: true, missed, next: { anchor: now, index: 1, at: periodicStartAt(settings, now, 1) } };
}
