/**
 * The request a log line belongs to. HTTP requests run inside `runInRequest`, so every line logged
 * while serving one (the access line, an unexpected error deep in a resolver) carries its id and
 * GraphQL operation name through the logger's mixin, without threading a child logger everywhere.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

export interface RequestFields {
  readonly reqId: string;
  /** Filled in once the document is parsed: the operation name, or "anonymous". */
  operation?: string;
  operationType?: string;
  /** `extensions.code` of every error in the response. */
  errorCodes?: string[];
}

const storage = new AsyncLocalStorage<RequestFields>();

export function runInRequest<T>(fields: RequestFields, fn: () => T): T {
  return storage.run(fields, fn);
}

export function currentRequest(): RequestFields | undefined {
  return storage.getStore();
}

/** A proxy's or client's X-Request-Id when it is a sane token, so one id follows a request across hops. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && CLIENT_ID.test(given) ? given : randomUUID();
}

/** What the logger adds to each line logged inside a request. */
export function requestLogFields(): Record<string, unknown> {
  const r = storage.getStore();
  return r ? { reqId: r.reqId, operation: r.operation } : {};
}
