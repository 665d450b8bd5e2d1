import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiKeyVerifier, generateApiKey } from "../../src/auth/api-keys.js";
import { parseApiKeys } from "../../src/config/api-keys-setting.js";
import { AUTH_CONFLICT_MESSAGE, AUTH_DISABLED_WARNING, AUTH_OFF_WARNING, AUTH_REQUIRED_MESSAGE, authStart } from "../../src/config/auth-start.js";
import { loadConfig } from "../../src/config/config.js";
import { AUTH_OFF_BANNER_HTML, withAuthOffBanner } from "../../src/auth/auth-off-banner.js";

const KEYS = `operator:${"a".repeat(64)}`;
const SECRET = "s".repeat(32);

describe("authStart: production is secured or opened on purpose", () => {
  const cases: [Record<string, string>, ReturnType<typeof authStart>][] = [
    [{ NODE_ENV: "production" }, { kind: "refused", message: AUTH_REQUIRED_MESSAGE }],
    [{ NODE_ENV: "production", AUTH_DISABLED: "false" }, { kind: "refused", message: AUTH_REQUIRED_MESSAGE }],
    [{ NODE_ENV: "production", AUTH_DISABLED: "true" }, { kind: "open", warning: AUTH_DISABLED_WARNING }],
    [{ NODE_ENV: "production", API_KEYS: KEYS }, { kind: "secured" }],
    [{ NODE_ENV: "production", JWT_SECRET: SECRET }, { kind: "secured" }],
    [{ NODE_ENV: "production", API_KEYS: KEYS, AUTH_DISABLED: "true" }, { kind: "refused", message: AUTH_CONFLICT_MESSAGE }],
    [{ JWT_SECRET: SECRET, AUTH_DISABLED: "1" }, { kind: "refused", message: AUTH_CONFLICT_MESSAGE }],
    [{}, { kind: "open", warning: AUTH_OFF_WARNING }],
    [{ NODE_ENV: "test" }, { kind: "open", warning: AUTH_OFF_WARNING }],
    [{ AUTH_DISABLED: "true" }, { kind: "open", warning: AUTH_DISABLED_WARNING }],
    [{ API_KEYS: KEYS }, { kind: "secured" }],
  ];
  for (const [env, expected] of cases) {
    it(JSON.stringify(env), () => assert.deepEqual(authStart(loadConfig(env)), expected));
  }

  it("the refusal is one paragraph naming the recipe and the opt-out", () => {
    assert.doesNotMatch(AUTH_REQUIRED_MESSAGE, /\n/);
    for (const part of ["NODE_ENV=production", "API_KEYS", "JWT_SECRET", "JWT_PUBLIC_KEY", "npm run keygen", "AUTH_DISABLED=true"]) {
      assert.ok(AUTH_REQUIRED_MESSAGE.includes(part), part);
    }
  });

  it("SHUTDOWN_TIMEOUT_MS defaults to 20 s and is bounded", () => {
    assert.equal(loadConfig({}).SHUTDOWN_TIMEOUT_MS, 20_000);
    assert.throws(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: "10" }), /SHUTDOWN_TIMEOUT_MS/);
  });
});

describe("generateApiKey (npm run keygen)", () => {
  it("gives a fresh key whose entry parses and admits exactly that key", () => {
    const a = generateApiKey("operator");
    const b = generateApiKey("viewer");
    assert.notEqual(a.key, b.key);
    assert.match(a.key, /^ew_[A-Za-z0-9_-]{43}$/);
    const verifier = new ApiKeyVerifier(parseApiKeys(`${a.entry},${b.entry}`));
    assert.equal(verifier.verify(a.key)?.role, "operator");
    assert.equal(verifier.verify(b.key)?.role, "viewer");
    assert.equal(verifier.verify(a.key.slice(0, -1)), null);
  });
});

describe("withAuthOffBanner", () => {
  it("puts the banner right after the <body…> tag", () => {
    assert.equal(withAuthOffBanner('<html><body class="x">hi</body></html>'), `<html><body class="x">\n${AUTH_OFF_BANNER_HTML}hi</body></html>`);
    assert.match(AUTH_OFF_BANNER_HTML, /^<div id="auth-off-banner" role="alert" style="[^"]+">/);
  });
});
