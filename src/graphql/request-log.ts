/**
 * One access line per GraphQL HTTP request, and the request's id and operation on every other line
 * logged while serving it. The id is echoed in `X-Request-Id` for support tickets.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import type { RequestHandler } from "express";
import { getOperationAST } from "graphql";
import type { Logger } from "../observability/logger.js";
import { currentRequest, requestIdFrom, runInRequest, type RequestFields } from "../observability/request-context.js";

const FIELDS = Symbol("request log fields");
type Carrier = { [FIELDS]?: RequestFields };

/**
 * Two handlers: `start` goes before body parsing, so a body that is not JSON still gets its access
 * line; `enter` goes after it, because body-parser's stream callbacks would drop the async context.
 */
export function requestLogMiddleware(log: Logger): { start: RequestHandler; enter: RequestHandler } {
  // The level is fixed for the logger's life: below it, no access line is ever built.
  const accessLines = log.isLevelEnabled("info");
  const start: RequestHandler = (req, res, next) => {
    const fields: RequestFields = { reqId: requestIdFrom(req.headers["x-request-id"]) };
    (res as Carrier)[FIELDS] = fields;
    res.setHeader("x-request-id", fields.reqId);
    if (!accessLines) return next();
    const started = process.hrtime.bigint();
    res.once("finish", () => {
      log.info(
        {
          reqId: fields.reqId,
          operation: fields.operation ?? "unknown",
          type: fields.operationType,
          status: res.statusCode,
          durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
          errors: fields.errorCodes,
        },
        "graphql request",
      );
    });
    next();
  };
  const enter: RequestHandler = (req, res, next) => {
    const fields = (res as Carrier)[FIELDS];
    if (!fields) return next();
    const named = (req.body as { operationName?: unknown } | undefined)?.operationName;
    if (typeof named === "string") fields.operation = named.slice(0, 100);
    runInRequest(fields, next);
  };
  return { start, enter };
}

/** Fills the current request's operation and error codes as Apollo learns them. */
export function requestLogPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart(rc) {
      const fields = currentRequest();
      return {
        // Parsed but not yet validated: a request refused by validation is still named.
        async validationDidStart(rc) {
          if (!fields) return;
          const operation = getOperationAST(rc.document, rc.request.operationName);
          fields.operation = operation?.name?.value ?? (operation ? "anonymous" : fields.operation);
          fields.operationType = operation?.operation;
        },
        async willSendResponse(rc) {
          if (!fields) return;
          const body = rc.response.body;
          const errors = body.kind === "single" ? body.singleResult.errors : body.initialResult.errors;
          if (errors?.length) fields.errorCodes = errors.map((e) => String(e.extensions?.code ?? "UNKNOWN"));
        },
      };
    },
  };
}
