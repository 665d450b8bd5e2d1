/** Authentication and authorization failures; src/graphql/errors.ts maps `code` to extensions.code. */
export abstract class AuthError extends Error {
  abstract readonly code: "UNAUTHENTICATED" | "FORBIDDEN";
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No credential where one is needed, or a credential that is invalid or expired. */
export class UnauthenticatedError extends AuthError {
  readonly code = "UNAUTHENTICATED" as const;
}

/** A valid credential whose role does not allow the operation. */
export class ForbiddenError extends AuthError {
  readonly code = "FORBIDDEN" as const;
}
