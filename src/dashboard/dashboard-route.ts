/** GET /dashboard: the live dashboard, a static page served from this package (no CDN). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";
import { withAuthOffBanner } from "../auth/auth-off-banner.js";

const ASSETS = fileURLToPath(new URL("./assets/", import.meta.url));

/** `authOffBanner`: authentication is disabled on purpose (AUTH_DISABLED); the page says so on top. */
export function dashboardRouter(opts: { authOffBanner?: boolean } = {}): Router {
  // Read once: the banner goes into the HTML on the server, whatever the page's own assets do.
  const page = readFileSync(`${ASSETS}index.html`, "utf8");
  const html = opts.authOffBanner ? withAuthOffBanner(page) : page;
  const router = express.Router();
  router.get(["/dashboard", "/dashboard/index.html"], (_req, res) => {
    res.type("html").set("cache-control", "no-cache").send(html);
  });
  router.use("/dashboard", express.static(ASSETS, { index: false, maxAge: "1h" }));
  return router;
}
