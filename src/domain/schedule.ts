/**
 * What the scheduler does, as data. An epoch's state and windows say which step it waits for and
 * when; a topic's next start instant says when its next periodic epoch begins. The functions here
 * plan, for an epoch (or a topic) and an instant, what is due, what it writes and which window
 * events it makes; executors (src/worker, src/db/sql) only carry those plans out, as the chain's
 * BeginBlock runs every due task, task type by task type.
 */
import { EpochState, EpochTransition, isTerminal } from "./epoch-state.js";
import { planPeriodicStart } from "./periodic-start.js";
import { windowChanges, type WindowChange } from "./transitions.js";
import type { TopicSettings } from "./topic-settings.js";
import { computeWindows, type EpochWindows, type Instant } from "./windows.js";

/** The window instant a scheduled step is due at. */
export type DueInstant = keyof Pick<EpochWindows, "workerCloseAt" | "reputerOpenAt" | "reputerCloseAt">;

/** One kind of scheduled step: every epoch in `from` moves to `to` once its `dueAt` instant passed. */
export interface ScheduledStep {
  readonly transition: EpochTransition;
  readonly from: EpochState;
  readonly to: EpochState;
  readonly dueAt: DueInstant;
  /** Window events the step makes (a subscriber derives them from the log record too). */
  readonly events: readonly WindowChange[];
}

function step(transition: EpochTransition, from: EpochState, to: EpochState, dueAt: DueInstant): ScheduledStep {
  return { transition, from, to, dueAt, events: windowChanges(from, to) };
}

/**
 * The scheduled steps in lifecycle order (OPEN_WORKER_WINDOW is applied when an epoch starts).
 * Run in this order, an epoch overdue by several steps (after downtime) passes through all of
 * them in one round, and COMPLETE follows CLOSE_REPUTER_WINDOW at the same instant.
 */
export const SCHEDULED_STEPS: readonly ScheduledStep[] = [
  step(EpochTransition.CLOSE_WORKER_WINDOW, EpochState.WORKER_SUBMISSION, EpochState.WAITING_GROUND_TRUTH, "workerCloseAt"),
  step(EpochTransition.OPEN_REPUTER_WINDOW, EpochState.WAITING_GROUND_TRUTH, EpochState.REPUTER_SUBMISSION, "reputerOpenAt"),
  step(EpochTransition.CLOSE_REPUTER_WINDOW, EpochState.REPUTER_SUBMISSION, EpochState.PENDING_COMPLETION, "reputerCloseAt"),
  step(EpochTransition.COMPLETE, EpochState.PENDING_COMPLETION, EpochState.COMPLETED, "reputerCloseAt"),
];

/** The step an epoch in `state` waits for; undefined for INIT (started at once) and finished epochs. */
export function waitingStep(state: EpochState): ScheduledStep | undefined {
  if (isTerminal(state)) return undefined;
  return SCHEDULED_STEPS.find((s) => s.from === state);
}

/** The instant the epoch's next scheduled step falls due, or null when it waits for none. */
export function nextDueAt(epoch: { readonly state: EpochState; readonly windows: EpochWindows }): Instant | null {
  const s = waitingStep(epoch.state);
  return s ? epoch.windows[s.dueAt] : null;
}

/** One transition a plan applies: what the executor writes for it. */
export interface PlannedTransition {
  readonly transition: EpochTransition;
  readonly from: EpochState;
  readonly to: EpochState;
  /** The instant it was due (the log record's dueAt). */
  readonly dueAt: Instant;
  readonly events: readonly WindowChange[];
}

/**
 * Every step due for an epoch at `now`, in order: the transitions the scheduler applies to it in
 * one round (none when nothing is due yet), and when it next needs the scheduler (null: never).
 */
export function planEpoch(epoch: { readonly state: EpochState; readonly windows: EpochWindows }, now: Instant): { readonly apply: PlannedTransition[]; readonly nextDueAt: Instant | null } {
  const apply: PlannedTransition[] = [];
  let state = epoch.state;
  for (const s of SCHEDULED_STEPS) {
    if (s.from !== state) continue;
    const dueAt = epoch.windows[s.dueAt];
    if (dueAt > now) break;
    apply.push({ transition: s.transition, from: s.from, to: s.to, dueAt, events: s.events });
    state = s.to;
  }
  return { apply, nextDueAt: nextDueAt({ state, windows: epoch.windows }) };
}

/** A topic as the periodic start reads it. */
export interface ScheduledTopic extends TopicSettings {
  /** The schedule's anchor: epoch n starts at anchor + n·epochLength. */
  readonly anchor: Instant;
  /** The start the topic waits for (a grid instant). */
  readonly nextStartAt: Instant;
}

/** What one periodic start writes. */
export interface StartPlan {
  /** The epoch's start (its worker window opens): the grid instant, or `now` when late. */
  readonly startAt: Instant;
  readonly windows: EpochWindows;
  /** The log record's dueAt: when the start was due (its grid instant, or `now` when late). */
  readonly dueAt: Instant;
  /** Periods skipped since `nextStartAt` because nothing ran at their instants. */
  readonly missed: number;
  readonly late: boolean;
  /** The topic's schedule after this start. */
  readonly anchor: Instant;
  readonly nextStartAt: Instant;
}

/**
 * The periodic start of a topic due at `now` (the catch-up rule of src/domain/periodic-start.ts):
 * on time, on its grid; late by more than `toleranceMs`, at `now` with the schedule re-anchored.
 */
export function planStart(topic: ScheduledTopic, now: Instant, toleranceMs: number): StartPlan {
  const index = Math.max(0, Math.round((topic.nextStartAt - topic.anchor) / (topic.epochLength * 1000)));
  const p = planPeriodicStart(topic, topic.anchor, index, now, toleranceMs);
  return {
    startAt: p.startAt,
    windows: computeWindows(topic, p.startAt),
    dueAt: p.startAt,
    missed: p.missed,
    late: p.late,
    anchor: p.next.anchor,
    nextStartAt: p.next.at,
  };
}
