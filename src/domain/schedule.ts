import { EpochState, EpochTransition, isTerminal } from "./epoch-state.js";
import { requiredState } from "./transitions.js";
import type { EpochWindows, Instant } from "./windows.js";

/** Task names of the scheduler, as on the chain. */
export const Task = {
  OPEN_WORKER_WINDOW: "emissions:open_epoch_worker_window",
  CLOSE_WORKER_WINDOW: "emissions:close_epoch_worker_window",
  OPEN_REPUTER_WINDOW: "emissions:open_epoch_reputer_window",
  CLOSE_REPUTER_WINDOW: "emissions:close_epoch_reputer_window",
  COMPLETE: "emissions:complete_epoch",
  START_NEW_EPOCH: "emissions:start_new_epoch",
} as const;
export type TaskName = (typeof Task)[keyof typeof Task];

/** One scheduled lifecycle step of an epoch. */
export interface LifecycleStep {
  readonly task: TaskName;
  readonly transition: EpochTransition;
  readonly dueAt: Instant;
  /** Lower runs first among jobs due at the same instant (complete after close-reputer). */
  readonly priority: number;
}

/** The follow-up steps scheduled when an epoch starts (OPEN_WORKER_WINDOW is applied at once). */
export function lifecycleSteps(w: EpochWindows): LifecycleStep[] {
  return [
    { task: Task.CLOSE_WORKER_WINDOW, transition: EpochTransition.CLOSE_WORKER_WINDOW, dueAt: w.workerCloseAt, priority: 0 },
    { task: Task.OPEN_REPUTER_WINDOW, transition: EpochTransition.OPEN_REPUTER_WINDOW, dueAt: w.reputerOpenAt, priority: 0 },
    { task: Task.CLOSE_REPUTER_WINDOW, transition: EpochTransition.CLOSE_REPUTER_WINDOW, dueAt: w.reputerCloseAt, priority: 0 },
    { task: Task.COMPLETE, transition: EpochTransition.COMPLETE, dueAt: w.reputerCloseAt, priority: 1 },
  ];
}

export const LIFECYCLE_TASKS: readonly TaskName[] = [
  Task.OPEN_WORKER_WINDOW,
  Task.CLOSE_WORKER_WINDOW,
  Task.OPEN_REPUTER_WINDOW,
  Task.CLOSE_REPUTER_WINDOW,
  Task.COMPLETE,
];

/** `<task>:<topicId>-<nonce>`: one job per step of one epoch, so scheduling is idempotent. */
export function epochJobKey(task: TaskName, topicId: bigint, nonce: bigint): string {
  return `${task}:${topicId}-${nonce}`;
}

export function periodicJobKey(topicId: bigint): string {
  return `${Task.START_NEW_EPOCH}:${topicId}`;
}

/** What a lifecycle task should do given the epoch's current state. */
export type TaskDecision =
  | { readonly kind: "apply" }
  /** The prerequisite step has not happened yet: try again shortly. */
  | { readonly kind: "wait" }
  /** Already done (operator override) or the epoch is finished: end quietly. */
  | { readonly kind: "skip"; readonly reason: string };

export function decideTask(transition: EpochTransition, current: EpochState): TaskDecision {
  if (isTerminal(current)) return { kind: "skip", reason: `epoch is ${EpochState[current]}` };
  const required = requiredState(transition);
  if (required === null) return { kind: "apply" }; // CANCEL
  if (current === required) return { kind: "apply" };
  if (current < required) return { kind: "wait" };
  return { kind: "skip", reason: `epoch already past ${EpochState[required]}` };
}
