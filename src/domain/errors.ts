/**
 * Domain errors. Each carries a stable `code` that the GraphQL layer maps to `extensions.code`
 * (see src/graphql/errors.ts); the core never knows about GraphQL itself.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Malformed or out-of-range input (ids, nonces, settings, cursors). */
export class InvalidInputError extends DomainError {
  readonly code = "BAD_USER_INPUT" as const;
  /** The argument or field the problem is about, when known. */
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

export class InvalidNonceError extends InvalidInputError {}
export class InvalidUint64Error extends InvalidInputError {}
export class InvalidTopicSettingsError extends InvalidInputError {}

/** A transition that the transition table does not allow from the epoch's current state. */
export class IllegalTransitionError extends DomainError {
  readonly code = "ILLEGAL_TRANSITION" as const;
  constructor(
    readonly from: string,
    readonly transition: string,
  ) {
    super(`transition ${transition} is not allowed from state ${from}`);
  }
}

export class NotFoundError extends DomainError {
  readonly code = "NOT_FOUND" as const;
}

/** Lost a race: the row changed between read and write (optimistic concurrency). */
export class ConflictError extends DomainError {
  readonly code = "CONFLICT" as const;
}

/** A topic's nonce counter is at the largest payload (2^56 − 1): no next nonce exists. */
export class NonceCounterExhaustedError extends ConflictError {}
