/**
 * Turns a presented credential into a Principal. Enabled when any API key or JWT key is configured;
 * otherwise every caller is anonymous and allowed (the start-up log warns about it).
 */
import { UnauthenticatedError } from "../domain/index.js";
import type { ApiKeyEntry } from "../config/api-keys-setting.js";
import { ApiKeyVerifier } from "./api-keys.js";
import { JwtVerifier, looksLikeJwt, type JwtOptions } from "./jwt.js";
import type { AccessPolicy, Principal } from "./roles.js";

export interface Authenticator {
  readonly policy: AccessPolicy;
  /** null for no credential; throws UnauthenticatedError for a wrong, malformed or expired one. */
  authenticate(credential: string | null): Promise<Principal | null>;
}

export interface AuthOptions {
  readonly apiKeys?: readonly ApiKeyEntry[];
  readonly jwt?: Omit<JwtOptions, "roleClaim"> & { roleClaim?: string };
  readonly queries?: AccessPolicy["queries"];
}

export const AUTH_DISABLED: Authenticator = {
  policy: { enabled: false, queries: "public" },
  authenticate: async () => null,
};

export async function createAuthenticator(opts: AuthOptions): Promise<Authenticator> {
  const keys = new ApiKeyVerifier(opts.apiKeys ?? []);
  const jwt = opts.jwt && (opts.jwt.secret || opts.jwt.publicKeyPem) ? await JwtVerifier.create({ roleClaim: "role", ...opts.jwt }) : null;
  if (keys.size === 0 && !jwt) return AUTH_DISABLED;
  return {
    policy: { enabled: true, queries: opts.queries ?? "public" },
    async authenticate(credential) {
      if (credential === null) return null;
      if (credential.length > 16_384) throw new UnauthenticatedError("credential too long");
      if (jwt && looksLikeJwt(credential)) return jwt.verify(credential);
      const principal = keys.verify(credential);
      if (!principal) throw new UnauthenticatedError("unknown API key");
      return principal;
    },
  };
}
