/** The auth building blocks without a server: keys, JWTs, credential parsing, roles, config. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ForbiddenError, UnauthenticatedError } from "../../src/domain/index.js";
import { sha256Hex } from "../../src/auth/api-keys.js";
import { parseApiKeys } from "../../src/config/api-keys-setting.js";
import { AUTH_DISABLED, createAuthenticator } from "../../src/auth/authenticator.js";
import { credentialFromConnectionParams, credentialFromHeaders } from "../../src/auth/credentials.js";
import { authorize, type Principal } from "../../src/auth/roles.js";
import { loadConfig } from "../../src/config/config.js";
import { API_KEYS, JWT_SECRET, OPERATOR_KEY, RSA_PUBLIC_PEM, VIEWER_KEY, signToken } from "../helpers/credentials.js";

const viewer: Principal = { id: "v", role: "viewer", via: "api-key", expiresAt: null };
const operator: Principal = { id: "o", role: "operator", via: "api-key", expiresAt: null };
const roleless: Principal = { id: "x", role: null, via: "jwt", expiresAt: null };

describe("auth (unit)", () => {
  it("parses API_KEYS and rejects malformed entries", () => {
    const h = sha256Hex("k");
    assert.deepEqual(parseApiKeys(` operator:${h.toUpperCase()} , viewer:${h},`), [
      { role: "operator", sha256: h },
      { role: "viewer", sha256: h },
    ]);
    assert.deepEqual(parseApiKeys(""), []);
    for (const bad of ["admin:" + h, "operator:abc", `operator:${h}:x`, h]) assert.throws(() => parseApiKeys(bad), /entry 1/);
  });

  it("reads credentials from headers and connection_init payloads", () => {
    assert.equal(credentialFromHeaders({ authorization: "Bearer abc" }), "abc");
    assert.equal(credentialFromHeaders({ authorization: "bearer  abc " }), "abc");
    assert.equal(credentialFromHeaders({ "x-api-key": "k1" }), "k1");
    assert.equal(credentialFromHeaders({}), null);
    assert.throws(() => credentialFromHeaders({ authorization: "Basic dXNlcg==" }), UnauthenticatedError);
    assert.throws(() => credentialFromHeaders({ authorization: "Bearer a b" }), UnauthenticatedError);
    assert.equal(credentialFromConnectionParams({ authorization: "Bearer t" }), "t");
    assert.equal(credentialFromConnectionParams({ Authorization: "Bearer t" }), "t");
    assert.equal(credentialFromConnectionParams({ apiKey: "k" }), "k");
    assert.equal(credentialFromConnectionParams({ "x-api-key": "k" }), "k");
    assert.equal(credentialFromConnectionParams(undefined), null);
    assert.throws(() => credentialFromConnectionParams({ authorization: 42 }), UnauthenticatedError);
  });

  it("authorizes by operation kind and role", () => {
    const open = { enabled: true, queries: "public" } as const;
    const closed = { enabled: true, queries: "required" } as const;
    authorize(null, "query", open);
    assert.throws(() => authorize(null, "query", closed), UnauthenticatedError);
    authorize(viewer, "query", closed);
    assert.throws(() => authorize(null, "mutation", open), UnauthenticatedError);
    assert.throws(() => authorize(viewer, "mutation", open), ForbiddenError);
    authorize(operator, "mutation", open);
    assert.throws(() => authorize(null, "subscription", open), UnauthenticatedError);
    authorize(viewer, "subscription", open);
    assert.throws(() => authorize(roleless, "subscription", open), ForbiddenError);
    authorize(null, "mutation", AUTH_DISABLED.policy);
  });

  it("verifies API keys and HS256 / RS256 JWTs, refusing expired, unsigned, exp-less and foreign tokens", async () => {
    const auth = await createAuthenticator({ apiKeys: API_KEYS, jwt: { secret: JWT_SECRET, publicKeyPem: RSA_PUBLIC_PEM } });
    assert.equal((await auth.authenticate(OPERATOR_KEY))?.role, "operator");
    assert.equal((await auth.authenticate(VIEWER_KEY))?.role, "viewer");
    assert.equal(await auth.authenticate(null), null);
    await assert.rejects(auth.authenticate("wrong"), UnauthenticatedError);
    const hs = await auth.authenticate(await signToken({ role: "operator", sub: "bob" }));
    assert.equal(hs?.role, "operator");
    assert.equal(hs?.id, "jwt:bob");
    assert.ok(hs!.expiresAt! > Date.now());
    assert.equal((await auth.authenticate(await signToken({ role: "viewer", alg: "RS256" })))?.role, "viewer");
    assert.equal((await auth.authenticate(await signToken({ role: "admin" })))?.role, null);
    await assert.rejects(auth.authenticate(await signToken({ role: "operator", expiresIn: -60 })), /token expired/);
    await assert.rejects(auth.authenticate(await signToken({ role: "operator", secret: "another-secret-that-is-32-characters-long!" })), UnauthenticatedError);
    await assert.rejects(auth.authenticate(await signToken({ role: "operator", noExp: true })), UnauthenticatedError);
    const [h, p] = (await signToken({ role: "operator" })).split(".");
    const none = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    await assert.rejects(auth.authenticate(`${none}.${p}.`), UnauthenticatedError);
    await assert.rejects(auth.authenticate(`${h}.${p}.AAAA`), UnauthenticatedError);
    // Only RS256 configured: an HS256 token signed with the public key as secret is refused.
    const rsOnly = await createAuthenticator({ jwt: { publicKeyPem: RSA_PUBLIC_PEM } });
    await assert.rejects(rsOnly.authenticate(await signToken({ role: "operator", secret: RSA_PUBLIC_PEM })), UnauthenticatedError);
    assert.equal((await createAuthenticator({})).policy.enabled, false);
  });

  it("validates the new settings and derives introspection / playground from NODE_ENV", () => {
    const dev = loadConfig({});
    assert.equal(dev.INTROSPECTION, true);
    assert.equal(dev.PLAYGROUND, true);
    assert.deepEqual(dev.API_KEYS, []);
    assert.equal(dev.AUTH_QUERIES, "public");
    assert.equal(dev.DB_STATEMENT_TIMEOUT_MS, 10_000);
    const prod = loadConfig({ NODE_ENV: "production" });
    assert.equal(prod.INTROSPECTION, false);
    assert.equal(prod.PLAYGROUND, false);
    assert.equal(loadConfig({ NODE_ENV: "production", PLAYGROUND: "true" }).PLAYGROUND, true);
    const c = loadConfig({ API_KEYS: `viewer:${sha256Hex("x")}`, JWT_PUBLIC_KEY: RSA_PUBLIC_PEM.replace(/\n/g, "\\n"), TRUST_PROXY: "1" });
    assert.equal(c.API_KEYS.length, 1);
    assert.equal(c.JWT_PUBLIC_KEY, RSA_PUBLIC_PEM);
    assert.equal(c.TRUST_PROXY, 1);
    assert.throws(() => loadConfig({ API_KEYS: "root:abc", JWT_SECRET: "short", AUTH_QUERIES: "maybe", QUERY_MAX_DEPTH: "0" }), (e: Error) =>
      ["API_KEYS", "JWT_SECRET", "AUTH_QUERIES", "QUERY_MAX_DEPTH"].every((k) => e.message.includes(k)),
    );
  });
});
