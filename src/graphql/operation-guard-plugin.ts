/**
 * Apollo plugin (HTTP): once the operation is known, its kind must be allowed for the caller, and
 * its cost (with the request's variables) within the limit.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import type { ApiContext } from "./context.js";
import { isRequestRejection, rejectRequest } from "./errors.js";
import { assertOperationCost, type QueryLimits } from "./query-limits.js";
import type { RequestGuard } from "./request-guard.js";

export function operationGuardPlugin(guard: RequestGuard, limits: QueryLimits): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request, contextValue }) {
          try {
            // Apollo resolves the operation before this hook; it is always set here.
            if (!operation) return;
            guard.authorize(contextValue.principal ?? null, operation.operation);
            assertOperationCost(schema, document, operation, request.variables, limits.maxCost);
          } catch (err) {
            throw isRequestRejection(err) ? rejectRequest(err) : err;
          }
        },
      };
    },
  };
}
