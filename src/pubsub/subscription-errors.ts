import { DomainError } from "../domain/index.js";

/** A subscriber's buffer overflowed; it must resume from its last cursor. */
export class SubscriberTooSlowError extends DomainError {
  readonly code = "SUBSCRIBER_TOO_SLOW" as const;
}

/** Subscriptions are not served by this process (no live feed configured). */
export class LiveFeedUnavailableError extends DomainError {
  readonly code = "SERVICE_UNAVAILABLE" as const;
}
