/**
 * API keys. Only SHA-256 hashes are configured (API_KEYS, src/config/api-keys-setting.ts), so a
 * leaked configuration does not leak keys; a presented key is hashed and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiKeyEntry } from "../config/api-keys-setting.js";
import type { Role } from "../domain/index.js";
import type { Principal } from "./roles.js";

export function sha256Hex(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export class ApiKeyVerifier {
  private readonly entries: readonly { role: Role; digest: Buffer; id: string }[];

  constructor(entries: readonly ApiKeyEntry[]) {
    this.entries = entries.map((e) => ({ role: e.role, digest: Buffer.from(e.sha256, "hex"), id: `key:${e.sha256.slice(0, 12)}` }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The key's principal, or null when no configured hash matches. */
  verify(key: string): Principal | null {
    const digest = createHash("sha256").update(key, "utf8").digest();
    // Compare against every entry so the time taken does not tell which one matched.
    let found: { role: Role; id: string } | null = null;
    for (const e of this.entries) if (timingSafeEqual(e.digest, digest) && !found) found = e;
    return found ? { id: found.id, role: found.role, via: "api-key", expiresAt: null } : null;
  }
}

/** A fresh key (256 random bits, base64url, prefixed so a leaked one is recognisable) and its entry. */
export function generateApiKey(role: Role): { key: string; entry: string } {
  const key = `ew_${randomBytes(32).toString("base64url")}`;
  return { key, entry: `${role}:${sha256Hex(key)}` };
}
