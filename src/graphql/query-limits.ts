/**
 * Limits on a GraphQL document, checked before anything runs: tokens by graphql's parser, depth,
 * aliases and directives by graphql-armor's validation rules, cost (objects it may load, see
 * query-cost.ts) once variables are known. Every violation is QUERY_TOO_COMPLEX.
 */
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type ValidationContext, type ValidationRule } from "graphql";
import { QueryTooComplexError } from "../domain/index.js";
import { operationCost } from "./query-cost.js";

export interface QueryLimits {
  /** Nested selection levels (`{ a { b } }` is 2). */
  readonly maxDepth: number;
  readonly maxAliases: number;
  /** Lexical tokens of the whole document (bounds parse time and memory). */
  readonly maxTokens: number;
  /** Objects an operation may load, page sizes multiplied along each path (query-cost.ts). */
  readonly maxCost: number;
  readonly maxDirectives: number;
}

/**
 * graphql-armor's defaults for aliases, tokens and directives. Depth 12 admits four nested
 * connections (each is connection → edges → node); cost 50,000 admits a full page of 500 epochs
 * with their topics and 40 transitions each, not a page of 500 pages.
 */
export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 15, maxTokens: 1000, maxCost: 50_000, maxDirectives: 50 };

export function checkCost(cost: number, limits: Pick<QueryLimits, "maxCost">): void {
  if (cost > limits.maxCost) {
    throw new QueryTooComplexError(`Query cost limit of ${limits.maxCost} exceeded, found at least ${cost} (objects it may load; lower \`first\` or nest fewer connections).`);
  }
}

/**
 * Costs one operation of a document with its variables against `maxCost` (any limit: queries use
 * QUERY_MAX_COST; a transport may charge other operations less), stopping as soon as it is
 * exceeded. Throws QueryTooComplexError; returns the cost otherwise.
 */
export function assertOperationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  maxCost: number,
): number {
  const cost = operationCost(schema, document, operation, variables ?? undefined, { limit: maxCost });
  checkCost(cost, { maxCost });
  return cost;
}

/** Validation rules for depth, aliases and directives; each rejection carries a QueryTooComplexError. */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  const common = {
    exposeLimits: true,
    propagateOnRejection: false,
    // Re-reported with the cause the error formatter maps to QUERY_TOO_COMPLEX.
    onReject: [
      (ctx: ValidationContext | null, error: GraphQLError) => {
        const message = error.message.replace(/^Syntax Error: /, "");
        ctx?.reportError(new GraphQLError(message, { nodes: error.nodes, originalError: new QueryTooComplexError(message) }));
      },
    ],
  };
  return [
    maxDepthRule({ ...common, n: limits.maxDepth }),
    maxAliasesRule({ ...common, n: limits.maxAliases }),
    maxDirectivesRule({ ...common, n: limits.maxDirectives }),
  ] as ValidationRule[];
}
