/** Everything the API enforces on callers, as one value the composition root builds from config. */
import { AUTH_DISABLED, type Authenticator } from "../auth/authenticator.js";
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from "./query-limits.js";
import type { RateLimit } from "./rate-limiter.js";

export interface ApiSecurity {
  readonly authenticator: Authenticator;
  readonly limits: QueryLimits;
  /** null: no rate limiting. */
  readonly rateLimit: RateLimit | null;
  /** Largest accepted request body. */
  readonly maxBodyBytes: number;
  readonly introspection: boolean;
  /** Serve the in-browser playground at / and GET /graphql. */
  readonly playground: boolean;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (express `trust proxy`). */
  readonly trustProxy: boolean | number | string;
  /** Authentication is disabled on purpose (AUTH_DISABLED=true): the playground and dashboard show a banner. */
  readonly authOffBanner: boolean;
  /** Browser origins allowed to open a WebSocket besides the API's own ("*": any). */
  readonly allowedOrigins: readonly string[];
}

/** What createApiServer uses for anything not given: open, as the test servers and quickstart want. */
export const DEFAULT_SECURITY: ApiSecurity = {
  authenticator: AUTH_DISABLED,
  limits: DEFAULT_QUERY_LIMITS,
  rateLimit: null,
  maxBodyBytes: 1024 * 1024,
  introspection: true,
  playground: true,
  trustProxy: false,
  authOffBanner: false,
  allowedOrigins: [],
};
