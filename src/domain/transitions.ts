import { IllegalTransitionError } from "./errors.js";
import { EpochState, EpochTransition, WindowKind, isTerminal, stateName, transitionName } from "./epoch-state.js";

/** The forward steps of the lifecycle; CANCEL is allowed from every non-terminal state. */
const FORWARD: ReadonlyMap<EpochTransition, { from: EpochState; to: EpochState }> = new Map([
  [EpochTransition.OPEN_WORKER_WINDOW, { from: EpochState.INIT, to: EpochState.WORKER_SUBMISSION }],
  [EpochTransition.CLOSE_WORKER_WINDOW, { from: EpochState.WORKER_SUBMISSION, to: EpochState.WAITING_GROUND_TRUTH }],
  [EpochTransition.OPEN_REPUTER_WINDOW, { from: EpochState.WAITING_GROUND_TRUTH, to: EpochState.REPUTER_SUBMISSION }],
  [EpochTransition.CLOSE_REPUTER_WINDOW, { from: EpochState.REPUTER_SUBMISSION, to: EpochState.PENDING_COMPLETION }],
  [EpochTransition.COMPLETE, { from: EpochState.PENDING_COMPLETION, to: EpochState.COMPLETED }],
]);

/** The state a transition leads to from `from`, or null when the table has no such row. */
export function nextState(from: EpochState, transition: EpochTransition): EpochState | null {
  if (isTerminal(from)) return null;
  if (transition === EpochTransition.CANCEL) return EpochState.CANCELLED;
  const step = FORWARD.get(transition);
  return step && step.from === from ? step.to : null;
}

/** The state a transition requires (CANCEL: any non-terminal one, so null). */
export function requiredState(transition: EpochTransition): EpochState | null {
  return FORWARD.get(transition)?.from ?? null;
}

/** Transitions legal from a state, in lifecycle order. */
export function legalTransitions(from: EpochState): EpochTransition[] {
  const legal: EpochTransition[] = [];
  for (const [transition, step] of FORWARD) if (step.from === from) legal.push(transition);
  if (!isTerminal(from)) legal.push(EpochTransition.CANCEL);
  return legal;
}

/** A window opening or closing caused by a transition. */
export interface WindowChange {
  kind: WindowKind;
  opened: boolean;
}

/**
 * Window changes a transition causes. Cancelling an epoch whose window is open closes it, so
 * subscribers waiting on a close are told.
 */
export function windowChanges(from: EpochState, to: EpochState): WindowChange[] {
  const changes: WindowChange[] = [];
  if (from === EpochState.WORKER_SUBMISSION && to !== from) changes.push({ kind: WindowKind.WORKER, opened: false });
  if (from === EpochState.REPUTER_SUBMISSION && to !== from) changes.push({ kind: WindowKind.REPUTER, opened: false });
  if (to === EpochState.WORKER_SUBMISSION) changes.push({ kind: WindowKind.WORKER, opened: true });
  if (to === EpochState.REPUTER_SUBMISSION) changes.push({ kind: WindowKind.REPUTER, opened: true });
  return changes;
}

/** The part of an epoch the FSM reads and writes. */
export interface EpochStatus {
  readonly state: EpochState;
  readonly version: number;
}

export interface TransitionResult<E extends EpochStatus> {
  readonly epoch: E;
  readonly from: EpochState;
  readonly to: EpochState;
  readonly transition: EpochTransition;
}

/**
 * Apply one transition to an epoch value. Returns the new value (state advanced, version bumped)
 * or throws IllegalTransitionError; the input is never mutated.
 */
export function applyTransition<E extends EpochStatus>(epoch: E, transition: EpochTransition): TransitionResult<E> {
  const to = nextState(epoch.state, transition);
  if (to === null) throw new IllegalTransitionError(stateName(epoch.state), transitionName(transition));
  return { epoch: { ...epoch, state: to, version: epoch.version + 1 }, from: epoch.state, to, transition };
}
