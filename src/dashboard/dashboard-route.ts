/** GET /dashboard: the live dashboard, a static page served from this package (no CDN). */
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";

const ASSETS = fileURLToPath(new URL("./assets/", import.meta.url));

export function dashboardRouter(): Router {
  const router = express.Router();
  router.get("/dashboard", (_req, res) => res.sendFile("index.html", { root: ASSETS }));
  router.use("/dashboard", express.static(ASSETS, { index: "index.html", maxAge: "1h" }));
  return router;
}
