/**
 * Where callers put their credential: `Authorization: Bearer <key or JWT>` or `x-api-key: <key>` on
 * HTTP; `{ authorization: "Bearer …" }` (or `x-api-key` / `apiKey`) in graphql-ws connection_init.
 */
import { UnauthenticatedError } from "../domain/index.js";

type HeaderValue = string | string[] | undefined;

export function credentialFromHeaders(headers: Record<string, HeaderValue>): string | null {
  return fromAuthorization(single(headers.authorization, "authorization")) ?? nonEmpty(single(headers["x-api-key"], "x-api-key"));
}

export function credentialFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined | null): string | null {
  if (!params || typeof params !== "object") return null;
  const get = (name: string): string | undefined => {
    const v = params[name] ?? params[name.toLowerCase()] ?? params[capitalized(name)];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new UnauthenticatedError(`connection_init payload field "${name}" must be a string`);
    return v;
  };
  return fromAuthorization(get("authorization")) ?? nonEmpty(get("x-api-key") ?? get("apiKey"));
}

function fromAuthorization(value: string | undefined): string | null {
  if (value === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
  if (!match) throw new UnauthenticatedError("Authorization must be `Bearer <API key or JWT>`");
  return match[1]!;
}

function single(value: HeaderValue, name: string): string | undefined {
  if (Array.isArray(value)) {
    if (value.length > 1) throw new UnauthenticatedError(`send one ${name} header, not ${value.length}`);
    return value[0];
  }
  return value;
}

function nonEmpty(value: string | undefined): string | null {
  const v = value?.trim();
  return v ? v : null;
}

function capitalized(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
