/**
 * Cross-origin guard for the WebSocket upgrade. Apollo's CSRF prevention covers HTTP only, and a
 * browser lets any page open a WebSocket to any host (sending its cookies and its Origin), so the
 * Origin is checked before the upgrade: the API's own origin (Origin's host equals the Host
 * header) and the listed ones pass, a request without Origin (a non-browser client) passes, any
 * other browser origin gets HTTP 403 and never reaches connection_init.
 */
import type http from "node:http";

/** `allowed`: normalized origins (`new URL(x).origin`) or "*" for any. */
export function isOriginAllowed(req: http.IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes("*")) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file://) and anything malformed
  }
  if (allowed.includes(url.origin)) return true;
  const host = req.headers.host;
  if (!host) return false;
  try {
    // Parsed with the Origin's scheme, so an explicit default port (":80", ":443") compares equal.
    return new URL(`${url.protocol}//${host}`).host === url.host;
  } catch {
    return false;
  }
}
