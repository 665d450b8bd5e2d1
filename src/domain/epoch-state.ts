/** Epoch states with the chain's numeric values; the number is what is stored. */
export enum EpochState {
  INIT = 0,
  WORKER_SUBMISSION = 1,
  WAITING_GROUND_TRUTH = 2,
  REPUTER_SUBMISSION = 3,
  PENDING_COMPLETION = 4,
  COMPLETED = 5,
  CANCELLED = 6,
}

export enum EpochTransition {
  OPEN_WORKER_WINDOW = 0,
  CLOSE_WORKER_WINDOW = 1,
  OPEN_REPUTER_WINDOW = 2,
  CLOSE_REPUTER_WINDOW = 3,
  COMPLETE = 4,
  CANCEL = 5,
}

/** Who applied a transition. */
export enum TransitionSource {
  SCHEDULER = 0,
  API = 1,
}

export enum WindowKind {
  WORKER = 0,
  REPUTER = 1,
}

export const ALL_STATES: readonly EpochState[] = [0, 1, 2, 3, 4, 5, 6];
export const ALL_TRANSITIONS: readonly EpochTransition[] = [0, 1, 2, 3, 4, 5];
export const TERMINAL_STATES: ReadonlySet<EpochState> = new Set([EpochState.COMPLETED, EpochState.CANCELLED]);

/** States in which a transition may still happen ("live" epochs). */
export const LIVE_STATES: readonly EpochState[] = ALL_STATES.filter((s) => !TERMINAL_STATES.has(s));

export function isTerminal(state: EpochState): boolean {
  return TERMINAL_STATES.has(state);
}

export function stateName(state: EpochState): string {
  return EpochState[state] ?? `UNKNOWN(${state})`;
}

export function transitionName(transition: EpochTransition): string {
  return EpochTransition[transition] ?? `UNKNOWN(${transition})`;
}

/** The submission state whose window is open, per window kind. */
export const WINDOW_STATE: Readonly<Record<WindowKind, EpochState>> = {
  [WindowKind.WORKER]: EpochState.WORKER_SUBMISSION,
  [WindowKind.REPUTER]: EpochState.REPUTER_SUBMISSION,
};
