/**
 * The checks every operation passes on either transport, in this order: authenticate the
 * credential (if any), charge the client's rate-limit bucket (by principal, else by address, so
 * failed logins are limited too), then reject a bad credential; per operation, authorize its kind.
 */
import { RateLimitedError, UnauthenticatedError } from "../domain/index.js";
import type { Authenticator } from "../auth/authenticator.js";
import { authorize, type OperationKind, type Principal } from "../auth/roles.js";
import { RateLimiter, type RateLimit } from "./rate-limiter.js";

export class RequestGuard {
  private readonly limiter: RateLimiter | null;

  constructor(
    private readonly authenticator: Authenticator,
    rateLimit: RateLimit | null,
  ) {
    this.limiter = rateLimit ? new RateLimiter(rateLimit) : null;
  }

  get authEnabled(): boolean {
    return this.authenticator.policy.enabled;
  }

  /** The caller, or null when anonymous; throws RateLimitedError or UnauthenticatedError. */
  async admit(readCredential: () => string | null, address: string): Promise<Principal | null> {
    let principal: Principal | null = null;
    let failure: UnauthenticatedError | null = null;
    try {
      // With auth off, credentials are not even parsed: a stray header must not fail a request.
      if (this.authEnabled) principal = await this.authenticator.authenticate(readCredential());
    } catch (err) {
      if (!(err instanceof UnauthenticatedError)) throw err;
      failure = err;
    }
    this.charge(principal ? principal.id : `ip:${address}`);
    if (failure) throw failure;
    return principal;
  }

  /** One more unit of work for an already admitted client (e.g. each graphql-ws subscribe). */
  charge(client: string): void {
    const waitMs = this.limiter?.take(client) ?? 0;
    if (waitMs > 0) throw new RateLimitedError(waitMs);
  }

  authorize(principal: Principal | null, kind: OperationKind): void {
    authorize(principal, kind, this.authenticator.policy);
  }
}
