/**
 * Whether a process may start with the authentication it has (issue 14: safe by default). The
 * API and the worker both ask, so a fleet configured for production is either secured or opened
 * on purpose, never open by omission.
 */
import type { Config } from "./config.js";

export type AuthStart =
  /** Credentials are configured: authentication is enforced. */
  | { readonly kind: "secured" }
  /** No credentials, and that is allowed (development, or AUTH_DISABLED=true): start, log the warning. */
  | { readonly kind: "open"; readonly warning: string }
  /** Start-up must stop with this message. */
  | { readonly kind: "refused"; readonly message: string };

export const AUTH_REQUIRED_MESSAGE =
  "epoch-windows refuses to start: NODE_ENV=production and no credentials are configured (API_KEYS, " +
  "JWT_SECRET or JWT_PUBLIC_KEY), so anyone who reaches the port could create, deactivate and cancel. " +
  "Create an operator key with `npm run keygen` (in the image: `node dist/bin/keygen.js`), give the key " +
  "to the operator and set API_KEYS to the `operator:<sha256>` entry it prints (or set JWT_SECRET / " +
  "JWT_PUBLIC_KEY; see docs/security.md). To run without authentication on purpose, e.g. behind a proxy " +
  "that authenticates, set AUTH_DISABLED=true: a warning is then logged at every start and the " +
  "playground and dashboard show a banner.";

export const AUTH_CONFLICT_MESSAGE =
  "epoch-windows refuses to start: AUTH_DISABLED=true and credentials (API_KEYS, JWT_SECRET or " +
  "JWT_PUBLIC_KEY) are both configured. Remove AUTH_DISABLED to enforce the credentials, or remove the " +
  "credentials to run without authentication.";

export const AUTH_DISABLED_WARNING =
  "authentication is DISABLED (AUTH_DISABLED=true): anyone who reaches this port may create, deactivate " +
  "and cancel; configure API_KEYS or a JWT key and remove AUTH_DISABLED to protect it";

export const AUTH_OFF_WARNING =
  "authentication is OFF: no API_KEYS, JWT_SECRET or JWT_PUBLIC_KEY configured, so anyone may mutate; " +
  "configure one before exposing this API (NODE_ENV=production refuses to start without one)";

type AuthSettings = Pick<Config, "NODE_ENV" | "API_KEYS" | "JWT_SECRET" | "JWT_PUBLIC_KEY" | "AUTH_DISABLED">;

export function authStart(config: AuthSettings): AuthStart {
  const credentials = config.API_KEYS.length > 0 || Boolean(config.JWT_SECRET) || Boolean(config.JWT_PUBLIC_KEY);
  if (credentials) return config.AUTH_DISABLED ? { kind: "refused", message: AUTH_CONFLICT_MESSAGE } : { kind: "secured" };
  if (config.AUTH_DISABLED) return { kind: "open", warning: AUTH_DISABLED_WARNING };
  if (config.NODE_ENV === "production") return { kind: "refused", message: AUTH_REQUIRED_MESSAGE };
  return { kind: "open", warning: AUTH_OFF_WARNING };
}
