/** GET /dashboard: the live dashboard, a static page served from this package (no CDN). */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";
import { withAuthOffBanner } from "../auth/auth-off-banner.js";

const ASSETS = fileURLToPath(new URL("./assets/", import.meta.url));
// The charting library, served as installed (no bundle, no build step).
const UPLOT = path.join(path.dirname(createRequire(import.meta.url).resolve("uplot/package.json")), "dist");

/** `authOffBanner`: authentication is disabled on purpose (AUTH_DISABLED); the page says so on top. */
export function dashboardRouter(opts: { authOffBanner?: boolean } = {}): Router {
  // Read once: the banner goes into the HTML on the server, whatever the page's own assets do.
  const page = readFileSync(`${ASSETS}index.html`, "utf8");
  const html = opts.authOffBanner ? withAuthOffBanner(page) : page;
  const router = express.Router();
  router.get(["/dashboard", "/dashboard/index.html"], (_req, res) => {
    res.type("html").set("cache-control", "no-cache").send(html);
  });
  router.get("/favicon.ico", (_req, res) => res.sendFile("favicon.ico", { root: ASSETS, maxAge: "1d" }));
  router.use("/dashboard/vendor/uplot", express.static(UPLOT, { maxAge: "1h" }));
  router.use("/dashboard", express.static(ASSETS, { index: false, maxAge: "1h" }));
  return router;
}
