/**
 * Who may do what. Two roles: viewers read and subscribe, operators also mutate. Queries are public
 * or need a viewer, by configuration (AUTH_QUERIES).
 */
import { ForbiddenError, UnauthenticatedError, type Role } from "../domain/index.js";

/** An authenticated caller. `role` is null when its credential is valid but grants no known role. */
export interface Principal {
  /** Stable per caller (key hash prefix or JWT `sub`): the rate limiter's bucket and the logs' name. */
  readonly id: string;
  readonly role: Role | null;
  readonly via: "api-key" | "jwt";
  /** Epoch ms after which the credential is no longer valid (JWT `exp`); null when it never expires. */
  readonly expiresAt: number | null;
}

export type OperationKind = "query" | "mutation" | "subscription";

export interface AccessPolicy {
  /** False when no credential is configured: everyone may do everything. */
  readonly enabled: boolean;
  readonly queries: "public" | "required";
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2 };

/** The least role an operation needs, or null when anonymous callers may run it. */
function requiredRole(kind: OperationKind, policy: AccessPolicy): Role | null {
  if (!policy.enabled) return null;
  if (kind === "mutation") return "operator";
  if (kind === "subscription") return "viewer";
  return policy.queries === "required" ? "viewer" : null;
}

/** Throws UnauthenticatedError (no caller) or ForbiddenError (caller's role too low). */
export function authorize(principal: Principal | null, kind: OperationKind, policy: AccessPolicy): void {
  const needed = requiredRole(kind, policy);
  if (needed === null) return;
  if (!principal) throw new UnauthenticatedError(`${kind === "query" ? "queries" : `${kind}s`} need credentials: send Authorization: Bearer <API key or JWT>`);
  if (!principal.role || RANK[principal.role] < RANK[needed]) {
    throw new ForbiddenError(`${kind}s need the ${needed} role; this credential has ${principal.role ?? "no known role"}`);
  }
}
