/**
 * graphql-ws on the HTTP server's own port and path. The caller authenticates once, in
 * connection_init (`{ authorization: "Bearer …" }`): no or a bad credential closes the socket with
 * 4401, a credential without a usable role with 4403, and a JWT's socket closes (4401) when it
 * expires. Each subscribe is rate-limited, parsed and validated with the same query limits as HTTP
 * and authorized by operation kind; a subscription's cost is what one event may load, against its
 * own, lower limit. Errors go through the HTTP error formatter; a connection holds a bounded
 * number of subscriptions; keep-alive pings drop dead peers. A browser Origin other than the API's
 * own and the allowed ones is refused at the upgrade (HTTP 403), and a client that stops reading
 * or lets its backlog outgrow its budget is closed with 4413 (ws-backpressure.ts).
 */
import type http from "node:http";
import type { Socket } from "node:net";
import { getOperationAST, GraphQLError, NoSchemaIntrospectionCustomRule, parse, specifiedRules, subscribe as graphqlSubscribe, validate, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { CloseCode, type Context } from "graphql-ws";
import { useServer, type Extra } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import { credentialFromConnectionParams } from "../auth/credentials.js";
import type { Principal } from "../auth/roles.js";
import type { ApiContext } from "./context.js";
import { createSharedSubscribe, type DirectSink } from "./shared-subscriptions.js";
import { QueryTooComplexError } from "../domain/index.js";
import { isRequestRejection } from "./errors.js";
import { ValidatedDocuments } from "./validated-documents.js";
import { operationCost } from "./query-cost.js";
import { checkCost, queryLimitRules, type QueryLimits } from "./query-limits.js";
import type { RequestGuard } from "./request-guard.js";
import { checkStringInputs } from "./string-inputs.js";
import { jsonNumberReviver } from "./scalars/float-input.js";
import { InvalidInputError } from "../domain/index.js";
import type { Logger } from "../observability/logger.js";
import { randomUUID } from "node:crypto";
import { textFrame } from "./ws-frame.js";
import { applyBackpressure, type BackpressureLimits, type ConnectionBudget } from "./ws-backpressure.js";
import { isOriginAllowed } from "./ws-origin.js";
import { chargedStream, SubscriptionWorkBudget, type WorkBudgetLimits } from "./subscription-work-budget.js";

export interface SubscriptionServerOptions {
  readonly path: string;
  readonly makeContext: (principal: Principal | null) => ApiContext;
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly guard: RequestGuard;
  readonly limits: QueryLimits;
  readonly introspection: boolean;
  readonly maxSubscriptionsPerConnection: number;
  readonly keepAliveMs: number;
  /** Results buffered per subscriber of a shared execution before SUBSCRIBER_TOO_SLOW. */
  readonly bufferLimit: number;
  /** Bytes buffered per subscriber of a shared execution before SUBSCRIBER_TOO_SLOW. */
  readonly bufferBytes?: number;
  /** Cost one event of a subscription may have (query-cost.ts); the lower of this and limits.maxCost. */
  readonly subscriptionMaxCost?: number;
  /** Per-connection byte budget and stall detection; none when omitted. */
  readonly backpressure?: BackpressureLimits;
  /** Cost units of subscription executions a client may spend per second (subscription-work-budget.ts); none when omitted. */
  readonly workBudget?: WorkBudgetLimits;
  /** Browser origins allowed besides the API's own ("*": any); a request without Origin always passes. */
  readonly allowedOrigins?: readonly string[];
  /** Largest WebSocket message accepted (the HTTP body limit). */
  readonly maxPayloadBytes?: number;
  /** A line per subscription started, failed and ended, each with a request id `<connection>/<id>`. */
  readonly logger?: Logger;
}

export interface SubscriptionServer {
  readonly wss: WebSocketServer;
  dispose(): Promise<void>;
}

type WsContext = Context<Record<string, unknown> | undefined, Extra>;

/** graphql-ws has no close code for this; 4429 mirrors HTTP 429. */
const RATE_LIMITED_CLOSE = 4429;

/** setTimeout fires at once for delays beyond 2^31-1 ms (≈ 24.8 days): re-arm in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function attachSubscriptionServer(httpServer: http.Server, schema: GraphQLSchema, opts: SubscriptionServerOptions): SubscriptionServer {
  const allowedOrigins = opts.allowedOrigins ?? [];
  const wss = new WebSocketServer({
    server: httpServer,
    path: opts.path,
    maxPayload: opts.maxPayloadBytes ?? 1024 * 1024,
    // Refused before the upgrade, so a foreign page never reaches connection_init.
    verifyClient: ({ req }, done) => {
      if (isOriginAllowed(req, allowedOrigins)) return done(true);
      opts.logger?.debug({ origin: req.headers.origin }, "WebSocket refused: origin not allowed");
      done(false, 403, FORBIDDEN_ORIGIN_BODY, { "Content-Type": "application/json" });
    },
  });
  const format = (e: GraphQLError) => opts.formatError(e.toJSON(), e);
  const principals = new WeakMap<WsContext, { principal: Principal | null; client: string }>();
  const connectionIds = new WeakMap<WsContext, string>();
  const reqId = (ctx: WsContext, id: string) => {
    let conn = connectionIds.get(ctx);
    if (!conn) connectionIds.set(ctx, (conn = randomUUID()));
    return `${conn}/${id}`;
  };
  const operations = new Map<string, string>();
  const log = opts.logger;
  const rules = [...specifiedRules, ...queryLimitRules(opts.limits), ...(opts.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  // One parse and validation per distinct document text, not per subscribe (validated-documents.ts).
  const documents = new ValidatedDocuments();

  // What each connection has not taken yet: a budget per socket, one watcher for all of them.
  const contexts = new WeakMap<WebSocket, WsContext>();
  const budgetByContext = new WeakMap<object, ConnectionBudget>();
  const sinkByContext = new WeakMap<object, DirectSink>();
  const backpressure = opts.backpressure
    ? applyBackpressure(wss, opts.backpressure, {
        logger: log,
        stopSubscriptions: (socket) => {
          for (const sub of Object.values(contexts.get(socket)?.subscriptions ?? {})) void (sub as AsyncIterator<unknown> | null)?.return?.();
        },
      })
    : null;
  wss.on("connection", (socket, request) => {
    // A client gone with sends pending fails each of them; that is no error of the subscriptions
    // (nobody is left to tell), and a line per subscription would be a log-flood lever.
    let told = false;
    forgiveSendsAfterClose(socket, () => {
      if (told) return;
      told = true;
      log?.debug({ client: request.socket.remoteAddress }, "client disconnected with sends pending");
    });
  });

  // Every execution of a subscription's selection is paid for by the client that subscribed (a
  // shared execution by its first subscriber), at the cost its document was admitted with.
  const workBudget = new SubscriptionWorkBudget(opts.workBudget ?? { perSecond: 0, burst: 0 });
  const payerByContext = new WeakMap<object, { client: string; cost: number }>();
  const chargedSubscribe = async (args: ExecutionArgs) => {
    const result = await graphqlSubscribe(args);
    const payer = typeof args.contextValue === "object" && args.contextValue !== null ? payerByContext.get(args.contextValue) : undefined;
    if (!payer || !workBudget.enabled || !(Symbol.asyncIterator in result)) return result;
    return chargedStream(result, () => workBudget.charge(payer.client, payer.cost));
  };

  // Identical live subscriptions share one execution (src/graphql/shared-subscriptions.ts).
  const shared = createSharedSubscribe({
    subscribe: chargedSubscribe,
    bufferLimit: opts.bufferLimit,
    bufferBytes: opts.bufferBytes,
    accountOf: (args) => (typeof args.contextValue === "object" && args.contextValue !== null ? budgetByContext.get(args.contextValue) : undefined),
    sinkOf: (args) => (typeof args.contextValue === "object" && args.contextValue !== null ? sinkByContext.get(args.contextValue) : undefined),
  });
  const cleanup = useServer(
    {
      schema,
      subscribe: shared.subscribe,
      jsonMessageReviver: jsonNumberReviver,
      onConnect: async (ctx) => {
        const address = ctx.extra.request.socket.remoteAddress ?? "unknown";
        let principal: Principal | null;
        try {
          principal = await opts.guard.admit(() => credentialFromConnectionParams(ctx.connectionParams), address);
        } catch (err) {
          if (!isRequestRejection(err)) throw err;
          return closeWith(ctx, err.code === "RATE_LIMITED" ? RATE_LIMITED_CLOSE : CloseCode.Unauthorized, err.message);
        }
        if (opts.guard.authEnabled) {
          if (!principal) return closeWith(ctx, CloseCode.Unauthorized, "credentials required in connection_init: { authorization: \"Bearer …\" }");
          if (!principal.role) return closeWith(ctx, CloseCode.Forbidden, "this credential grants no known role");
        }
        principals.set(ctx, { principal, client: principal ? principal.id : `ip:${address}` });
        contexts.set(ctx.extra.socket, ctx);
        if (principal?.expiresAt != null) closeAtExpiry(ctx, principal.expiresAt);
        return true;
      },
      onSubscribe: (ctx, subscriptionId, payload) => {
        const caller = principals.get(ctx) ?? { principal: null, client: "unknown" };
        // graphql-ws has already reserved this operation's id in ctx.subscriptions.
        if (Object.keys(ctx.subscriptions).length > opts.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(`at most ${opts.maxSubscriptionsPerConnection} subscriptions per connection; open another connection`, {
              extensions: { code: "RATE_LIMITED" },
            }),
          ];
        }
        try {
          opts.guard.charge(caller.client);
        } catch (err) {
          if (isRequestRejection(err)) return [new GraphQLError(err.message, { originalError: err })];
          throw err;
        }
        let document = documents.get(payload.query);
        if (!document) {
          try {
            document = parse(payload.query, { maxTokens: opts.limits.maxTokens });
          } catch (err) {
            const message = err instanceof GraphQLError ? err.message : String(err);
            return [new GraphQLError(message, { extensions: { code: "GRAPHQL_PARSE_FAILED" } })];
          }
          const invalid = validate(schema, document, rules);
          if (invalid.length) return invalid.map((e) => (e.originalError ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })));
          documents.set(payload.query, document);
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError("Unable to identify operation", { extensions: { code: "BAD_USER_INPUT" } })];
        let cost: number;
        try {
          opts.guard.authorize(caller.principal, operation.operation);
          // Subscriptions are charged what one event costs, against their own lower limit.
          const subscription = operation.operation === "subscription";
          const maxCost = subscription ? Math.min(opts.limits.maxCost, opts.subscriptionMaxCost ?? opts.limits.maxCost) : opts.limits.maxCost;
          cost = operationCost(schema, document, operation, payload.variables ?? undefined, { limit: maxCost });
          if (subscription) checkSubscriptionCost(cost, maxCost);
          else checkCost(cost, opts.limits);
          checkStringInputs(schema, document, operation, payload.variables);
        } catch (err) {
          if (isRequestRejection(err) || err instanceof InvalidInputError) return [new GraphQLError(err.message, { originalError: err })];
          throw err;
        }
        const operationName = operation.name?.value ?? "anonymous";
        const id = reqId(ctx, subscriptionId);
        operations.set(id, operationName);
        log?.info({ reqId: id, operation: operationName, type: operation.operation }, "subscription started");
        const contextValue = opts.makeContext(caller.principal);
        const budget = backpressure?.budgetOf(ctx.extra.socket);
        if (budget) budgetByContext.set(contextValue, budget);
        payerByContext.set(contextValue, { client: caller.client, cost });
        sinkByContext.set(contextValue, directSink(ctx.extra.socket, subscriptionId));
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onError: (ctx, id, payload, errors) => {
        const formatted = errors.map(format);
        const key = reqId(ctx, id);
        const operation = operations.get(key) ?? payload.operationName ?? "unknown";
        log?.info({ reqId: key, operation, errors: formatted.map((e) => String(e.extensions?.code ?? "UNKNOWN")) }, "subscription error");
        return formatted;
      },
      onComplete: (ctx, id) => {
        const key = reqId(ctx, id);
        log?.info({ reqId: key, operation: operations.get(key) ?? "unknown" }, "subscription ended");
        operations.delete(key);
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map(format) } : undefined,
    },
    wss,
    opts.keepAliveMs,
  );
  return {
    wss,
    async dispose() {
      backpressure?.dispose();
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const FORBIDDEN_ORIGIN_BODY = JSON.stringify({
  errors: [{ message: "this origin may not open a WebSocket here (ALLOWED_ORIGINS)", extensions: { code: "FORBIDDEN", retryable: false } }],
});

/**
 * graphql-ws awaits every send and turns a failed one into an error of its subscription (logged,
 * then answered on a dead socket). A send that fails because the socket is closed completes
 * quietly instead; `onLost` counts it.
 */
function forgiveSendsAfterClose(socket: WebSocket, onLost: () => void): void {
  type Callback = (err?: Error) => void;
  const send = socket.send.bind(socket) as (data: unknown, options: object, cb?: Callback) => void;
  const patched = (data: unknown, options?: object | Callback, cb?: Callback) => {
    const done = typeof options === "function" ? options : cb;
    send(data, typeof options === "object" ? options : {}, (err) => {
      if (err && socket.readyState !== socket.OPEN) {
        onLost();
        return done?.();
      }
      done?.(err);
    });
  };
  Object.assign(socket, { send: patched });
}

/**
 * A subscription's `next` messages written straight to its socket (shared executions), the same
 * bytes graphql-ws would send, framed once per result and subscription id (identical subscribers
 * mostly share an id) and written as one buffer: one `write` per member instead of ws's per-send
 * framing, string encoding and two-buffer `writev`. Only while the socket is open and nothing is
 * unsent — neither in ws's sender nor in the socket (`bufferedAmount` 0) — so the frame cannot
 * overtake or split anything; otherwise declined, and a reader that falls behind is served
 * through its bounded queue. The raw socket is ws's `_socket` (ws has no public way to send a
 * pre-framed message); test/e2e/ws-direct-writes.test.ts checks the bytes on the wire.
 */
function directSink(socket: WebSocket, id: string): DirectSink {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  return {
    send(result) {
      if (!raw || socket.readyState !== socket.OPEN || socket.bufferedAmount > 0) return false;
      raw.write(result.shared(id, () => textFrame(head + result.json + "}")));
      return true;
    },
  };
}

function checkSubscriptionCost(cost: number, max: number): void {
  if (cost > max) {
    throw new QueryTooComplexError(`Subscription cost limit of ${max} per event exceeded, found at least ${cost} (objects one event may load; lower \`first\` or nest fewer connections).`);
  }
}

function closeWith(ctx: WsContext, code: number, reason: string): false {
  ctx.extra.socket.close(code, closeReason(reason));
  return false;
}

function closeAtExpiry(ctx: WsContext, expiresAt: number): void {
  const socket = ctx.extra.socket;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) return socket.close(CloseCode.Unauthorized, "token expired");
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  socket.once("close", () => clearTimeout(timer));
}

/** A close frame's reason is at most 123 bytes. */
function closeReason(message: string): string {
  const bytes = Buffer.from(message, "utf8");
  return bytes.length <= 123 ? message : bytes.subarray(0, 120).toString("utf8").replace(/\uFFFD*$/, "") + "…";
}
