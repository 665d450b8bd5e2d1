/**
 * HTTP wiring: one express app on one http.Server carrying /graphql (Apollo, POST and GET), the
 * playground (/ and GET /graphql from a browser), its local assets and /healthz. The lead adds
 * graphql-ws subscriptions on `httpServer` and the worker beside it, hence the parts returned.
 */
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import express, { type ErrorRequestHandler, type Express } from "express";
import type { GraphQLSchema } from "graphql";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { LifecycleCommands } from "../app/lifecycle-commands.js";
import type { LiveEvents } from "../app/live-events.js";
import type { ReadModel } from "../app/read-model.js";
import type { Config } from "../config/config.js";
import { credentialFromHeaders } from "../auth/credentials.js";
import type { Principal } from "../auth/roles.js";
import { apolloHandler } from "./apollo-http-handler.js";
import { createContext, type ApiContext } from "./context.js";
import { createErrorFormatter, isRequestRejection, rejectRequest } from "./errors.js";
import { dashboardRouter } from "../dashboard/dashboard-route.js";
import { runReadiness, type ReadinessCheck } from "../observability/health.js";
import type { Metrics } from "../observability/metrics.js";
import { METRICS_CHALLENGE, metricsTokenCheck } from "../observability/metrics-token.js";
import { silentLogger, type Logger } from "../observability/logger.js";
import { metricsPlugin } from "./metrics-plugin.js";
import { noStorePlugins } from "./no-store-plugin.js";
import { operationGuardPlugin } from "./operation-guard-plugin.js";
import { playgroundHandler, servePlaygroundAssets } from "./playground.js";
import { queryLimitRules } from "./query-limits.js";
import type { ResponseCache } from "./response-cache.js";
import { responseCachePlugin } from "./response-cache-plugin.js";
import { requestLogMiddleware, requestLogPlugin } from "./request-log.js";
import { RequestGuard } from "./request-guard.js";
import { jsonNumberReviver } from "./scalars/float-input.js";
import { buildApiSchema } from "./schema.js";
import { DEFAULT_SECURITY, type ApiSecurity } from "./security.js";
import { attachSubscriptionServer } from "./ws-server.js";
import type { BackpressureLimits } from "./ws-backpressure.js";

export interface ApiServerOptions {
  readonly config: Pick<Config, "NODE_ENV">;
  readonly readModel: ReadModel;
  /** The write side; without it every mutation fails with SERVICE_UNAVAILABLE. */
  readonly commands?: LifecycleCommands | null;
  /** The live events for subscriptions (wired by whoever serves them). */
  readonly events?: LiveEvents | null;
  /** A prebuilt schema (e.g. with subscriptions); built from the resolvers when omitted. */
  readonly schema?: GraphQLSchema;
  /** Access lines (one per GraphQL request) and errors; silent when omitted. */
  readonly logger?: Logger;
  /** Reports errors hidden from clients (default: the logger, else console.error). */
  readonly logError?: (error: unknown) => void;
  /** /readyz turns 503 while any of these fails (the database is always checked). */
  readonly readiness?: readonly ReadinessCheck[];
  /** Served at /metrics and fed by every request. */
  readonly metrics?: Metrics;
  /** When set, /metrics needs `Authorization: Bearer <token>` (METRICS_TOKEN). */
  readonly metricsToken?: string;
  readonly subscriptionLimits?: {
    readonly maxPerConnection: number;
    readonly keepAliveMs: number;
    readonly buffer?: number;
    /** Bytes buffered per subscriber, the cost one event may have, and per-connection budgets (ws-server.ts). */
    readonly bufferBytes?: number;
    readonly maxCost?: number;
    readonly backpressure?: BackpressureLimits;
    /** Cost units of subscription executions per client per second (0: unbounded). */
    readonly workPerSecond?: number;
  };
  /** Auth, query limits, rate limit, body size, introspection, playground; open when omitted. */
  readonly security?: Partial<ApiSecurity>;
  /** Whole responses of open-window queries, invalidated by commit notices (its owner wires them). */
  readonly responseCache?: ResponseCache | null;
}

export interface ApiServer {
  readonly app: Express;
  readonly httpServer: http.Server;
  readonly apollo: ApolloServer<ApiContext>;
  readonly schema: GraphQLSchema;
  /** A fresh per-request (or per-subscription) context, e.g. for a graphql-ws server on httpServer. */
  makeContext(principal?: Principal | null): ApiContext;
  /** The error mapping HTTP responses use; give it to other transports too. */
  readonly formatError: ReturnType<typeof createErrorFormatter>;
  /** Listens (port 0 picks a free one) and resolves with the bound port. */
  start(port: number, host?: string): Promise<{ port: number; url: string }>;
  /** Stops accepting requests, lets running ones finish, closes idle connections. */
  stop(): Promise<void>;
}

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const development = opts.config.NODE_ENV === "development";
  const logger = opts.logger ?? silentLogger;
  const logError =
    opts.logError ??
    (opts.logger
      ? (err: unknown) => logger.error({ err }, "unexpected error while serving GraphQL")
      : (e: unknown) => console.error("unexpected error while serving GraphQL:", e));
  const requestLog = requestLogMiddleware(logger);
  const schema = opts.schema ?? (await buildApiSchema());
  const makeContext = (principal: Principal | null = null) => createContext(opts.readModel, opts.commands ?? null, opts.events ?? null, principal);
  const security: ApiSecurity = { ...DEFAULT_SECURITY, ...opts.security };
  const guard = new RequestGuard(security.authenticator, security.rateLimit);
  const app = express();
  const httpServer = http.createServer(app);
  const formatError = createErrorFormatter({ development, log: logError, hideSuggestions: !security.introspection });
  const apollo = new ApolloServer<ApiContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: development,
    introspection: security.introspection,
    validationRules: queryLimitRules(security.limits),
    parseOptions: { maxTokens: security.limits.maxTokens },
    // Apollo's default, stated: a GET or a simple (form/text) POST must carry a preflight header.
    csrfPrevention: true,
    // The entry point owns signals and stops the API, worker and database in order.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      ...noStorePlugins<ApiContext>(),
      {
        // Subscriptions share the port: close their sockets (code 1001) when the server drains.
        async serverWillStart() {
          return { drainServer: () => subscriptions.dispose() };
        },
      },
      operationGuardPlugin(guard, security.limits),
      ...(opts.responseCache ? [responseCachePlugin(opts.responseCache, opts.metrics && ((hit) => opts.metrics!.cacheReads.inc({ cache: "response", result: hit ? "hit" : "miss" })))] : []),
      requestLogPlugin<ApiContext>(),
      ...(opts.metrics ? [metricsPlugin<ApiContext>(opts.metrics)] : []),
    ],
  });
  const subscriptions = attachSubscriptionServer(httpServer, schema, {
    path: "/graphql",
    makeContext,
    formatError,
    guard,
    limits: security.limits,
    introspection: security.introspection,
    maxPayloadBytes: security.maxBodyBytes,
    maxSubscriptionsPerConnection: opts.subscriptionLimits?.maxPerConnection ?? 100,
    keepAliveMs: opts.subscriptionLimits?.keepAliveMs ?? 12_000,
    bufferLimit: opts.subscriptionLimits?.buffer ?? 1000,
    // The config's defaults (src/config/config.ts), so an embedder is bounded too.
    bufferBytes: opts.subscriptionLimits?.bufferBytes ?? 1024 * 1024,
    subscriptionMaxCost: opts.subscriptionLimits?.maxCost ?? 200,
    backpressure: opts.subscriptionLimits?.backpressure ?? { connectionBytes: 2 * 1024 * 1024, stallBytes: 64 * 1024, stallMs: 5000 },
    // A client may spend two seconds' worth at once.
    workBudget: { perSecond: opts.subscriptionLimits?.workPerSecond ?? 5000, burst: 2 * (opts.subscriptionLimits?.workPerSecond ?? 5000) },
    allowedOrigins: security.allowedOrigins,
    logger,
  });
  await apollo.start();

  // Requests node's HTTP parser refuses (oversized headers or URL, malformed framing) get a coded
  // JSON error too, instead of a bare status line.
  httpServer.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (err.code === "ECONNRESET")) return void socket.destroy();
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = JSON.stringify({ errors: [{ message: status === 431 ? "request headers or URL too large" : "malformed HTTP request", extensions: { code: "BAD_REQUEST", retryable: false } }] });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  app.disable("x-powered-by");
  // GraphQL answers are POSTed and no-store: hashing every body for an ETag bought nothing.
  app.set("etag", false);
  app.set("trust proxy", security.trustProxy);
  // Liveness only: the process answers. A database outage is /readyz's business; a liveness probe
  // that failed with the database would have an orchestrator restart healthy processes during it.
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const report = await runReadiness([{ name: "database", check: () => opts.readModel.ping() }, ...(opts.readiness ?? [])]);
    res.status(report.ready ? 200 : 503).json(report);
  });
  if (opts.metrics) {
    const metrics = opts.metrics;
    const authorized = metricsTokenCheck(opts.metricsToken);
    app.get("/metrics", async (req, res) => {
      if (!authorized(req.headers.authorization)) return void res.status(401).set("www-authenticate", METRICS_CHALLENGE).json({ error: "unauthorized" });
      const { contentType, body } = await metrics.render();
      res.type(contentType).send(body);
    });
  }
  app.use(dashboardRouter({ authOffBanner: security.authOffBanner }));
  if (security.playground) {
    app.get(["/", "/graphql"], playgroundHandler({ authOffBanner: security.authOffBanner }));
    app.use(servePlaygroundAssets);
  }
  app.use(
    "/graphql",
    requestLog.start,
    // Keeps `1.0` and `2e0` apart from integers, so Uint64 and NonceV2 variables can refuse them.
    express.json({ limit: security.maxBodyBytes, reviver: jsonNumberReviver }),
    requestLog.enter,
    // Before parsing: a rejected or over-budget client costs no GraphQL work.
    apolloHandler(apollo, async ({ req }) => {
      try {
        return makeContext(await guard.admit(() => credentialFromHeaders(req.headers), req.ip ?? req.socket.remoteAddress ?? "unknown"));
      } catch (err) {
        throw isRequestRejection(err) ? rejectRequest(err) : err;
      }
    }),
  );
  app.use(jsonErrors(development, logError));

  return {
    app,
    httpServer,
    apollo,
    schema,
    makeContext,
    formatError,
    start(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          const { port: bound } = httpServer.address() as AddressInfo;
          const shown = !host || host === "0.0.0.0" || host === "::" ? "localhost" : host;
          resolve({ port: bound, url: `http://${shown}:${bound}` });
        });
      });
    },
    async stop() {
      // The drain plugin closes the http server when Apollo stops.
      await apollo.stop();
    },
  };
}

/** Errors outside GraphQL (a body that is not JSON, too large…) as JSON, never an HTML stack trace. */
function jsonErrors(development: boolean, logError: (e: unknown) => void): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logError(err);
    const message = status === 500 && !development ? "Internal server error" : String(err?.message ?? err);
    res.status(status).json({ errors: [{ message, extensions: { code: status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST", retryable: false } }] });
  };
}

