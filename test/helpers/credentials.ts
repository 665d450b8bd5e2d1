/** Credentials for auth-enabled test servers: API keys with their configured hashes, and JWTs. */
import { generateKeyPairSync } from "node:crypto";
import { SignJWT, importPKCS8 } from "jose";
import { sha256Hex } from "../../src/auth/api-keys.js";
import type { ApiKeyEntry } from "../../src/config/api-keys-setting.js";

export const OPERATOR_KEY = "op-key-0123456789abcdef";
export const VIEWER_KEY = "viewer-key-0123456789abcdef";
export const API_KEYS: ApiKeyEntry[] = [
  { role: "operator", sha256: sha256Hex(OPERATOR_KEY) },
  { role: "viewer", sha256: sha256Hex(VIEWER_KEY) },
];
export const JWT_SECRET = "a-test-secret-that-is-at-least-32-characters-long";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
export const RSA_PUBLIC_PEM = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
const RSA_PRIVATE_PEM = rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString();

export interface TokenOptions {
  role?: unknown;
  sub?: string;
  /** Seconds from now (negative: already expired). */
  expiresIn?: number;
  alg?: "HS256" | "RS256";
  secret?: string;
  noExp?: boolean;
}

export async function signToken(opts: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = opts.role === undefined ? {} : { role: opts.role };
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? "HS256" }).setSubject(opts.sub ?? "alice").setIssuedAt(now - 5);
  if (!opts.noExp) jwt = jwt.setExpirationTime(now + (opts.expiresIn ?? 300));
  if ((opts.alg ?? "HS256") === "RS256") return jwt.sign(await importPKCS8(RSA_PRIVATE_PEM, "RS256"));
  return jwt.sign(new TextEncoder().encode(opts.secret ?? JWT_SECRET));
}

export const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });
