import type { TopicSettings } from "./topic-settings.js";

/** Instants are epoch milliseconds (UTC); the caller passes the clock's reading in. */
export type Instant = number;

export interface EpochWindows {
  readonly workerOpenAt: Instant;
  readonly workerCloseAt: Instant;
  readonly reputerOpenAt: Instant;
  readonly reputerCloseAt: Instant;
}

/** extraLag = 0 when GTL is a multiple of EL, else EL − (GTL mod EL); in seconds. */
export function extraLag(settings: TopicSettings): number {
  const rem = settings.groundTruthLag % settings.epochLength;
  return rem === 0 ? 0 : settings.epochLength - rem;
}

/**
 * The windows of an epoch started at `start`: worker [T, T + WSW], reputer
 * [T + GTL, T + GTL + extraLag + EL], both ends inclusive.
 */
export function computeWindows(settings: TopicSettings, start: Instant): EpochWindows {
  const s = 1000;
  const reputerOpenAt = start + settings.groundTruthLag * s;
  return {
    workerOpenAt: start,
    workerCloseAt: start + settings.workerSubmissionWindow * s,
    reputerOpenAt,
    reputerCloseAt: reputerOpenAt + (extraLag(settings) + settings.epochLength) * s,
  };
}

/**
 * Start instant of the periodic epoch due at or before `now` for a topic activated at
 * `activatedAt`: activation + n·EL, never "last run + EL", so starts do not drift.
 */
export function periodicStartIndex(settings: TopicSettings, activatedAt: Instant, now: Instant): number {
  if (now < activatedAt) return 0;
  return Math.floor((now - activatedAt) / (settings.epochLength * 1000));
}

export function periodicStartAt(settings: TopicSettings, activatedAt: Instant, index: number): Instant {
  return activatedAt + index * settings.epochLength * 1000;
}
