/**
 * The banner the playground and the dashboard show when authentication is disabled on purpose
 * (AUTH_DISABLED=true). Injected into the served HTML, so it shows whatever the page's own assets do.
 */
export const AUTH_OFF_BANNER_HTML =
  '<div id="auth-off-banner" role="alert" style="box-sizing:border-box;margin:0;padding:6px 12px;' +
  "background:#b00020;color:#fff;font:600 14px/1.4 system-ui,sans-serif;text-align:center;flex:none\">" +
  "Authentication is disabled (AUTH_DISABLED=true): anyone who can reach this server can create, " +
  "deactivate and cancel. Configure API_KEYS or a JWT key (docs/security.md).</div>";

/** The page with the banner right after its `<body…>` tag (unchanged when it has none). */
export function withAuthOffBanner(html: string): string {
  return html.replace(/<body\b[^>]*>/i, (tag) => `${tag}\n${AUTH_OFF_BANNER_HTML}`);
}
