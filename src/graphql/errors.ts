/**
 * The one place errors become GraphQL errors. The service's own errors (src/domain/errors.ts) carry
 * `code` and `retryable`, which become `extensions.code` and `extensions.retryable`; graphql's own
 * request errors keep their code (not retryable); an unreachable database is SERVICE_UNAVAILABLE
 * (retryable); anything else is INTERNAL_SERVER_ERROR with a generic message, its details
 * (message, stack, SQL) only in development mode and in the server log.
 */
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { AuthError, DatabaseUnavailableError, InvalidInputError, QueryTooComplexError, RateLimitedError, ServiceError } from "../domain/index.js";
import { isDatabaseUnavailable } from "../platform/database-unavailable.js";
import { describeInputLocation } from "./input-location.js";

/** Errors raised before or around execution whose `code` is the contract's. */
export type RequestRejection = AuthError | QueryTooComplexError | RateLimitedError;

export function isRequestRejection(e: unknown): e is RequestRejection {
  return e instanceof AuthError || e instanceof QueryTooComplexError || e instanceof RateLimitedError;
}

const HTTP_STATUS: Record<RequestRejection["code"], number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  QUERY_TOO_COMPLEX: 400,
  RATE_LIMITED: 429,
};

/**
 * A rejection as the GraphQLError Apollo answers with before execution (context creation, plugin
 * hooks): the right HTTP status, WWW-Authenticate on 401 and Retry-After on 429.
 */
export function rejectRequest(error: RequestRejection): GraphQLError {
  const headers = new Map<string, string>();
  if (error.code === "UNAUTHENTICATED") headers.set("www-authenticate", 'Bearer realm="epoch-windows"');
  if (error instanceof RateLimitedError) headers.set("retry-after", String(Math.ceil(error.retryAfterMs / 1000)));
  return new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, retryable: error.retryable, http: { status: HTTP_STATUS[error.code], headers } } });
}

/** Bad input found before execution (a plugin hook), answered as HTTP 400 rather than Apollo's 500. */
export function rejectInput(error: InvalidInputError): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, retryable: error.retryable, http: { status: 400 } } });
}

/** graphql's parser stops at `maxTokens` with a syntax error; it is a limit, not bad syntax. */
const TOKEN_LIMIT = /^Syntax Error: Document contains more th\w+ (\d+) tokens/;

/** graphql-js's coerceVariableValues starts every message so. */
const VARIABLE_ERROR = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /;

/** Codes whose messages are written for clients and safe to show as they are. */
const CLIENT_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  // Contract codes raised as GraphQLErrors by transports and limits rather than domain errors.
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "QUERY_TOO_COMPLEX",
  "RATE_LIMITED",
]);

export interface ErrorFormatOptions {
  /** NODE_ENV=development: keep internal messages and stack traces. */
  readonly development: boolean;
  /** Where unexpected errors are reported (they are hidden from the client). */
  readonly log?: (error: unknown) => void;
  /**
   * Drop graphql's "Did you mean …?" hints (field, argument, type, input field and enum value
   * names): with introspection off they would hand out the schema one typo at a time.
   */
  readonly hideSuggestions?: boolean;
}

/** graphql-js ends a message with its suggestion sentence (didYouMean), when it makes one. */
const SUGGESTION = /\s*Did you mean\b[^]*$/;

export function createErrorFormatter(opts: ErrorFormatOptions) {
  const format = formatter(opts);
  if (!opts.hideSuggestions) return format;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const out = format(formatted, error);
    return SUGGESTION.test(out.message) ? { ...out, message: out.message.replace(SUGGESTION, "") } : out;
  };
}

function formatter(opts: ErrorFormatOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const cause = rootCause(error);
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    const debug = opts.development ? pick(formatted.extensions, "stacktrace") : {};

    if (isRequestRejection(cause)) {
      return { ...base, message: cause.message, extensions: { code: cause.code, retryable: cause.retryable, ...debug } };
    }
    const tokens = TOKEN_LIMIT.exec(formatted.message);
    if (tokens && formatted.extensions?.code === "GRAPHQL_PARSE_FAILED") {
      return { ...base, message: `the document has more than ${tokens[1]} tokens`, extensions: { code: "QUERY_TOO_COMPLEX", retryable: false, ...debug } };
    }
    if (cause instanceof ServiceError) {
      // A scalar's parse failure surfaces while graphql validates the request (no path yet).
      const duringParse = cause instanceof InvalidInputError && error instanceof GraphQLError && !formatted.path;
      const where = duringParse ? describeInputLocation(error) : null;
      const message = where ? `Invalid value for ${where}: ${cause.message}` : cause.message;
      const argument = cause instanceof InvalidInputError ? cause.field : undefined;
      return { ...base, message, extensions: { code: cause.code, retryable: cause.retryable, ...(argument ? { argument } : {}), ...debug } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && CLIENT_CODES.has(code)) {
      // Only a client's request budget frees up by itself.
      return { ...base, extensions: { code, retryable: code === "RATE_LIMITED", ...debug } };
    }
    // graphql-js's own variable coercion errors (Apollo codes them itself; graphql-ws does not).
    if (code === undefined && cause instanceof GraphQLError && !formatted.path && VARIABLE_ERROR.test(formatted.message)) {
      return { ...base, extensions: { code: "BAD_USER_INPUT", retryable: false, ...debug } };
    }
    opts.log?.(cause);
    if (isDatabaseUnavailable(cause)) {
      const unavailable = new DatabaseUnavailableError();
      return { ...base, message: unavailable.message, extensions: { code: unavailable.code, retryable: unavailable.retryable, ...debug } };
    }
    return {
      ...base,
      message: opts.development && cause instanceof Error ? cause.message : "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR", retryable: false, ...debug },
    };
  };
}

function pick(ext: Readonly<Record<string, unknown>> | undefined, key: string): Record<string, unknown> {
  return ext && key in ext ? { [key]: ext[key] } : {};
}

/** The thrown error behind graphql's and Apollo's wrappers (resolver, validation, variables). */
function rootCause(error: unknown): unknown {
  let e = error;
  while (e instanceof GraphQLError && e.originalError) e = e.originalError;
  return e;
}
