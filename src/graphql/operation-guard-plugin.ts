/**
 * Apollo plugin (HTTP): once the operation is known, its kind must be allowed for the caller, and
 * its cost (with the request's variables) within the limit, its String inputs within theirs.
 * Apollo hands every request of the same query text the same parsed document, so what does not
 * depend on the variables (the literals' check; the cost, unless an Int variable may set a page
 * size) is worked out once per operation node and kept while the document is.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { getNamedType, typeFromAST, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { ApiContext } from "./context.js";
import { InvalidInputError } from "../domain/index.js";
import { isRequestRejection, rejectInput, rejectRequest } from "./errors.js";
import { assertOperationCost, checkCost, type QueryLimits } from "./query-limits.js";
import type { RequestGuard } from "./request-guard.js";
import { stringInputChecker } from "./string-inputs.js";

interface Prepared {
  /** The cost when no variable can change it (page sizes are Int arguments), else null. */
  readonly cost: number | null;
  readonly checkStrings: ReturnType<typeof stringInputChecker>;
}

export function operationGuardPlugin(guard: RequestGuard, limits: QueryLimits): ApolloServerPlugin<ApiContext> {
  const prepared = new WeakMap<OperationDefinitionNode, Prepared>();
  /** Cost first, then String inputs, as without the cache. */
  const check = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | undefined) => {
    let p = prepared.get(operation);
    if (p) {
      if (p.cost === null) assertOperationCost(schema, document, operation, variables, limits.maxCost);
      else checkCost(p.cost, limits);
    } else {
      const variableSizes = (operation.variableDefinitions ?? []).some((d) => getNamedType(typeFromAST(schema, d.type))?.name === "Int");
      const cost = assertOperationCost(schema, document, operation, variableSizes ? variables : undefined, limits.maxCost);
      p = { cost: variableSizes ? null : cost, checkStrings: stringInputChecker(schema, document, operation) };
      prepared.set(operation, p);
    }
    p.checkStrings(variables);
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request, contextValue }) {
          try {
            // Apollo resolves the operation before this hook; it is always set here.
            if (!operation) return;
            guard.authorize(contextValue.principal ?? null, operation.operation);
            check(schema, document, operation, request.variables);
          } catch (err) {
            if (err instanceof InvalidInputError) throw rejectInput(err);
            throw isRequestRejection(err) ? rejectRequest(err) : err;
          }
        },
      };
    },
  };
}
