/** GET /dashboard: the live dashboard, a static page served from this package (no CDN). */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";

const ASSETS = fileURLToPath(new URL("./assets/", import.meta.url));
// The charting library, served as installed (no bundle, no build step).
const UPLOT = path.join(path.dirname(createRequire(import.meta.url).resolve("uplot/package.json")), "dist");

export function dashboardRouter(): Router {
  const router = express.Router();
  router.get("/dashboard", (_req, res) => res.sendFile("index.html", { root: ASSETS }));
  router.get("/favicon.ico", (_req, res) => res.sendFile("favicon.ico", { root: ASSETS, maxAge: "1d" }));
  router.use("/dashboard/vendor/uplot", express.static(UPLOT, { maxAge: "1h" }));
  router.use("/dashboard", express.static(ASSETS, { index: "index.html", maxAge: "1h" }));
  return router;
}
