/**
 * The optional bearer token of /metrics (METRICS_TOKEN), checked the same way on the API's port and
 * on a standalone worker's ops port. Compared as SHA-256 digests in constant time, so neither the
 * token's length nor its prefix shows in the response time.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** Sent with a 401, as RFC 6750 asks. */
export const METRICS_CHALLENGE = 'Bearer realm="metrics"';

const digest = (s: string) => createHash("sha256").update(s).digest();

/** A check of the Authorization header: always true when no token is configured. */
export function metricsTokenCheck(token: string | undefined): (authorization: string | undefined) => boolean {
  if (!token) return () => true;
  const expected = digest(token);
  return (authorization) => {
    const m = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
    return m !== null && timingSafeEqual(digest(m[1]!), expected);
  };
}
