/**
 * Every error the service raises on purpose, in one hierarchy. Each class says its contract code
 * (src/graphql/errors.ts, the one place errors become GraphQL errors, makes it `extensions.code`)
 * and whether the same request may succeed if sent again unchanged (`extensions.retryable`). The
 * core never knows about GraphQL itself.
 */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "ILLEGAL_TRANSITION"
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "QUERY_TOO_COMPLEX"
  | "RATE_LIMITED"
  | "SUBSCRIBER_TOO_SLOW"
  | "SERVICE_UNAVAILABLE";

export abstract class ServiceError extends Error {
  abstract readonly code: ErrorCode;
  /** Whether sending the same request again later may succeed (clients may back off and retry). */
  abstract readonly retryable: boolean;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

// --- The request itself is wrong: sending it again cannot help. ---

/** Malformed or out-of-range input (ids, nonces, settings, cursors). */
export class InvalidInputError extends ServiceError {
  readonly code = "BAD_USER_INPUT" as const;
  readonly retryable = false;
  /** The argument or field the problem is about, when known. */
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

export class InvalidNonceError extends InvalidInputError {}
export class InvalidUint64Error extends InvalidInputError {}
export class InvalidTopicSettingsError extends InvalidInputError {}

/** A transition that the transition table does not allow from the epoch's current state. */
export class IllegalTransitionError extends ServiceError {
  readonly code = "ILLEGAL_TRANSITION" as const;
  readonly retryable = false;
  constructor(
    readonly from: string,
    readonly transition: string,
  ) {
    super(`transition ${transition} is not allowed from state ${from}`);
  }
}

export class NotFoundError extends ServiceError {
  readonly code = "NOT_FOUND" as const;
  readonly retryable = false;
}

/** Lost a race: the row changed between read and write (optimistic concurrency); a retry re-reads. */
export class ConflictError extends ServiceError {
  readonly code = "CONFLICT" as const;
  readonly retryable: boolean = true;
}

/** A topic's nonce counter is at the largest payload (2^56 − 1): no next nonce exists, ever. */
export class NonceCounterExhaustedError extends ConflictError {
  override readonly retryable = false;
}

// --- Access. ---

export abstract class AuthError extends ServiceError {
  abstract override readonly code: "UNAUTHENTICATED" | "FORBIDDEN";
  readonly retryable = false;
}

/** No credential where one is needed, or a credential that is invalid or expired. */
export class UnauthenticatedError extends AuthError {
  readonly code = "UNAUTHENTICATED" as const;
}

/** A valid credential whose role does not allow the operation. */
export class ForbiddenError extends AuthError {
  readonly code = "FORBIDDEN" as const;
}

// --- Limits. ---

/** A document over a query limit (depth, aliases, tokens, cost, directives). */
export class QueryTooComplexError extends ServiceError {
  readonly code = "QUERY_TOO_COMPLEX" as const;
  readonly retryable = false;
}

/** A client over its request budget; retry after `retryAfterMs`. */
export class RateLimitedError extends ServiceError {
  readonly code = "RATE_LIMITED" as const;
  readonly retryable = true;
  constructor(readonly retryAfterMs: number) {
    super(`rate limit exceeded; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** A subscriber's buffer overflowed; it resubscribes from its last cursor. */
export class SubscriberTooSlowError extends ServiceError {
  readonly code = "SUBSCRIBER_TOO_SLOW" as const;
  readonly retryable = true;
}

// --- Availability. ---

/** The database cannot be reached right now (refused or dropped connections, a restart). */
export class DatabaseUnavailableError extends ServiceError {
  readonly code = "SERVICE_UNAVAILABLE" as const;
  readonly retryable = true;
  constructor() {
    super("the database is unavailable; retry shortly");
  }
}

/** Mutations called while the server was started without a lifecycle service: a deployment choice. */
export class CommandsUnavailableError extends ServiceError {
  readonly code = "SERVICE_UNAVAILABLE" as const;
  readonly retryable = false;
  constructor() {
    super("mutations are not available: this server runs without the lifecycle service");
  }
}

/** Subscriptions are not served by this process (no live feed configured): a deployment choice. */
export class LiveFeedUnavailableError extends ServiceError {
  readonly code = "SERVICE_UNAVAILABLE" as const;
  readonly retryable = false;
}
