/**
 * JWT bearer tokens via jose: HS256 with a shared secret and/or RS256 with a PEM public key. The
 * role comes from a claim (JWT_ROLE_CLAIM, default `role`); `exp` is required so that every token,
 * and every WebSocket opened with one, ends.
 */
import { errors as joseErrors, importSPKI, jwtVerify, type JWTHeaderParameters, type JWTPayload } from "jose";
import { UnauthenticatedError } from "../domain/index.js";
import { isRole } from "../domain/index.js";
import type { Principal } from "./roles.js";

export interface JwtOptions {
  /** HS256 shared secret. */
  readonly secret?: string;
  /** RS256 public key, PEM (SPKI, "-----BEGIN PUBLIC KEY-----"). */
  readonly publicKeyPem?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly roleClaim: string;
  /** Seconds of clock skew tolerated on exp/nbf. */
  readonly clockToleranceSec?: number;
}

type VerifyKey = Uint8Array | Awaited<ReturnType<typeof importSPKI>>;

export class JwtVerifier {
  private constructor(
    private readonly keys: ReadonlyMap<string, VerifyKey>,
    private readonly opts: JwtOptions,
  ) {}

  static async create(opts: JwtOptions): Promise<JwtVerifier> {
    const keys = new Map<string, VerifyKey>();
    if (opts.secret) keys.set("HS256", new TextEncoder().encode(opts.secret));
    if (opts.publicKeyPem) keys.set("RS256", await importSPKI(opts.publicKeyPem, "RS256"));
    if (keys.size === 0) throw new Error("JwtVerifier needs a secret or a public key");
    return new JwtVerifier(keys, opts);
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(header), {
        algorithms: [...this.keys.keys()],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        requiredClaims: ["exp"],
        clockTolerance: this.opts.clockToleranceSec ?? 0,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new UnauthenticatedError("token expired");
      if (err instanceof joseErrors.JOSEError) throw new UnauthenticatedError(`invalid token (${err.code})`);
      throw err;
    }
    const role = payload[this.opts.roleClaim];
    return {
      id: `jwt:${typeof payload.sub === "string" ? payload.sub : "anonymous"}`,
      role: isRole(role) ? role : null,
      via: "jwt",
      expiresAt: payload.exp! * 1000,
    };
  }

  private keyFor(header: JWTHeaderParameters): VerifyKey {
    const key = this.keys.get(header.alg);
    // jose checks `algorithms` first; this only guards against a key missing for an allowed alg.
    if (!key) throw new UnauthenticatedError(`token algorithm ${header.alg} is not accepted`);
    return key;
  }
}

/** Three base64url segments: a JWS compact serialization rather than an API key. */
export function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential);
}
