/**
 * Apollo plugin (HTTP): once the operation is known, its kind must be allowed for the caller, and
 * its cost (with the request's variables) within the limit, its String inputs within theirs.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import type { ApiContext } from "./context.js";
import { InvalidInputError } from "../domain/index.js";
import { isRequestRejection, rejectInput, rejectRequest } from "./errors.js";
import { assertOperationCost, type QueryLimits } from "./query-limits.js";
import type { RequestGuard } from "./request-guard.js";
import { checkStringInputs } from "./string-inputs.js";

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
            checkStringInputs(schema, document, operation, request.variables);
          } catch (err) {
            if (err instanceof InvalidInputError) throw rejectInput(err);
            throw isRequestRejection(err) ? rejectRequest(err) : err;
          }
        },
      };
    },
  };
}
