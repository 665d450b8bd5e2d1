/** /healthz, /readyz and /metrics for processes without the API (the standalone worker). */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { runReadiness, type ReadinessCheck } from "./health.js";
import type { Metrics } from "./metrics.js";
import { METRICS_CHALLENGE, metricsTokenCheck } from "./metrics-token.js";

export interface OpsServer {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startOpsServer(opts: { port: number; host: string; readiness: readonly ReadinessCheck[]; metrics: Metrics; metricsToken?: string }): Promise<OpsServer> {
  const authorized = metricsTokenCheck(opts.metricsToken);
  const server = http.createServer((req, res) => {
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    void (async () => {
      if (req.url === "/healthz") return json(200, { status: "ok" });
      if (req.url === "/readyz") {
        const report = await runReadiness(opts.readiness);
        return json(report.ready ? 200 : 503, report);
      }
      if (req.url === "/metrics") {
        if (!authorized(req.headers.authorization)) {
          return res.writeHead(401, { "content-type": "application/json", "www-authenticate": METRICS_CHALLENGE }).end(JSON.stringify({ error: "unauthorized" }));
        }
        const { contentType, body } = await opts.metrics.render();
        return res.writeHead(200, { "content-type": contentType }).end(body);
      }
      json(404, { error: "not found" });
    })().catch(() => json(500, { error: "internal error" }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
