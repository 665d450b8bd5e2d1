/** The roles a caller may have: viewers read and subscribe, operators also mutate (src/auth/roles.ts decides). */
export const ROLES = ["viewer", "operator"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
