/** The API's ApiSecurity from the validated config (composition: auth, limits, rate limit). */
import { createAuthenticator } from "../auth/authenticator.js";
import type { Config } from "../config/config.js";
import type { ApiSecurity } from "../graphql/security.js";

export async function apiSecurityFromConfig(config: Config): Promise<ApiSecurity> {
  const authenticator = await createAuthenticator({
    apiKeys: config.API_KEYS,
    jwt: {
      secret: config.JWT_SECRET,
      publicKeyPem: config.JWT_PUBLIC_KEY,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      roleClaim: config.JWT_ROLE_CLAIM,
    },
    queries: config.AUTH_QUERIES,
  });
  const rateLimited = config.RATE_LIMIT_BURST > 0 && config.RATE_LIMIT_PER_SECOND > 0;
  return {
    authenticator,
    limits: {
      maxDepth: config.QUERY_MAX_DEPTH,
      maxAliases: config.QUERY_MAX_ALIASES,
      maxTokens: config.QUERY_MAX_TOKENS,
      maxCost: config.QUERY_MAX_COST,
      maxDirectives: config.QUERY_MAX_DIRECTIVES,
    },
    rateLimit: rateLimited ? { burst: config.RATE_LIMIT_BURST, perSecond: config.RATE_LIMIT_PER_SECOND } : null,
    maxBodyBytes: config.MAX_BODY_BYTES,
    introspection: config.INTROSPECTION,
    playground: config.PLAYGROUND,
    trustProxy: config.TRUST_PROXY,
    authOffBanner: config.AUTH_DISABLED,
    allowedOrigins: config.ALLOWED_ORIGINS,
  };
}
