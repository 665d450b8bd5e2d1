/**
 * Apollo plugin answering open-window queries from the response cache (src/graphql/response-cache.ts).
 * It runs after the request guard (authentication and rate limit, in the context function) and the
 * operation guard (role, cost, input limits, in didResolveOperation), so a hit is refused or
 * limited exactly like an execution; the caller's role is part of the key.
 */
import { HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import type { ApiContext } from "./context.js";
import type { PendingResponse, ResponseCache } from "./response-cache.js";
import { variablesKey, windowOperationScopes } from "./window-operation.js";

export function responseCachePlugin(cache: ResponseCache, onRead?: (hit: boolean) => void): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      let pending: PendingResponse | null = null;
      return {
        async responseForOperation({ document, operation, request, source, operationName, contextValue }) {
          if (!operation || !document || source === undefined) return null;
          const scopes = windowOperationScopes(document, operation, request.variables);
          if (!scopes) return null;
          const key = `${contextValue.principal?.role ?? "-"}\n${operationName ?? ""}\n${variablesKey(request.variables)}\n${source}`;
          const found = cache.get(key);
          const hit = found instanceof Promise ? await found : found;
          if (hit) {
            onRead?.(true);
            return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: "single", singleResult: hit } };
          }
          pending = cache.begin(key, scopes);
          // Counted only while notices are heard, like the page cache's reads.
          if (pending) onRead?.(false);
          return null;
        },
        async willSendResponse({ response }) {
          if (!pending) return;
          const body = response.body;
          cache.complete(pending, body.kind === "single" && !body.singleResult.errors?.length ? body.singleResult : null);
        },
      };
    },
  };
}
