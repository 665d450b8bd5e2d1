/**
 * The API_KEYS setting: "<role>:<sha256 hex>,…". Only SHA-256 hashes are configured, so a leaked
 * configuration does not leak keys (src/auth/api-keys.ts verifies presented keys against them).
 */
import { isRole, ROLES, type Role } from "../domain/index.js";

export interface ApiKeyEntry {
  readonly role: Role;
  /** Lower-case hex SHA-256 of the key. */
  readonly sha256: string;
}

/** Parses API_KEYS; throws with a message naming the bad entry (the config reports it). */
export function parseApiKeys(spec: string): ApiKeyEntry[] {
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const [role, hash, ...rest] = entry.split(":");
      if (rest.length || !isRole(role) || !/^[0-9a-fA-F]{64}$/.test(hash ?? "")) {
        throw new Error(`entry ${i + 1} must be <role>:<sha256 hex> with role one of ${ROLES.join(", ")}`);
      }
      return { role, sha256: hash!.toLowerCase() };
    });
}
