import assert from "node:assert/strict";
import type http from "node:http";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/config.js";
import { isOriginAllowed } from "../../src/graphql/ws-origin.js";

const req = (headers: Record<string, string>) => ({ headers }) as unknown as http.IncomingMessage;

describe("WebSocket origin check (unit)", () => {
  it("admits no Origin, the API's own origin and listed ones; refuses the rest", () => {
    const host = { host: "api.example.com:4000" };
    assert.equal(isOriginAllowed(req(host), []), true, "no Origin: a non-browser client");
    assert.equal(isOriginAllowed(req({ ...host, origin: "http://api.example.com:4000" }), []), true);
    assert.equal(isOriginAllowed(req({ ...host, origin: "https://API.example.com:4000" }), []), true, "host compared case-insensitively");
    assert.equal(isOriginAllowed(req({ host: "api.example.com:443", origin: "https://api.example.com" }), []), true, "explicit default port");
    assert.equal(isOriginAllowed(req({ ...host, origin: "http://api.example.com:4001" }), []), false, "another port");
    assert.equal(isOriginAllowed(req({ ...host, origin: "http://api.example.com.evil.test:4000" }), []), false);
    assert.equal(isOriginAllowed(req({ ...host, origin: "null" }), []), false);
    assert.equal(isOriginAllowed(req({ origin: "http://api.example.com:4000" }), []), false, "no Host to compare with");
    assert.equal(isOriginAllowed(req({ ...host, origin: "https://dash.example.com" }), ["https://dash.example.com"]), true);
    assert.equal(isOriginAllowed(req({ ...host, origin: "https://evil.test" }), ["*"]), true);
  });

  it("ALLOWED_ORIGINS is parsed into origins, and a value that is not one stops start-up naming the key", () => {
    assert.deepEqual(loadConfig({ ALLOWED_ORIGINS: " https://Dash.example.com/ , http://localhost:3000" }).ALLOWED_ORIGINS, ["https://dash.example.com", "http://localhost:3000"]);
    assert.deepEqual(loadConfig({}).ALLOWED_ORIGINS, []);
    for (const bad of ["dash.example.com", "localhost:3000", "file:///tmp/x"]) {
      assert.throws(() => loadConfig({ ALLOWED_ORIGINS: bad }), (e: unknown) => e instanceof ConfigError && /ALLOWED_ORIGINS/.test(e.message), bad);
    }
  });
});
