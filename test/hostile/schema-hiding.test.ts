/**
 * With introspection off (NODE_ENV=production), validation and coercion errors give no "Did you
 * mean …" hints — field, argument, type, input-field and enum-value names — over HTTP or graphql-ws.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { spawnApi } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { rawSocket } from "../helpers/ws-client.js";
import { until } from "../helpers/until.js";

/** [what, document, variables, a schema name the typo is one edit away from]. */
const TYPOS: [string, string, Record<string, unknown> | undefined, string][] = [
  ["field", `mutation { cancelEpoc(topicId: "1", nonce: "1") { state } }`, undefined, "cancelEpoch"],
  ["argument", `mutation { cancelEpoch(topicId: "1", nonce: "1", reaso: "x") { state } }`, undefined, "reason"],
  ["type", `query($x: Uint6) { topic(id: $x) { id } }`, undefined, "Uint64"],
  ["input field", `mutation { updateTopic(id: "1", input: { epochLengt: 5 }) { id } }`, undefined, "epochLength"],
  ["input field (variable)", `mutation($i: UpdateTopicInput!) { updateTopic(id: "1", input: $i) { id } }`, { i: { epochLengt: 5 } }, "epochLength"],
  ["enum value", `mutation { applyEpochTransition(topicId: "1", nonce: "1", transition: CANCE) { state } }`, undefined, "CANCEL"],
  ["enum value (variable)", `mutation($t: EpochTransition!) { applyEpochTransition(topicId: "1", nonce: "1", transition: $t) { state } }`, { t: "CANCE" }, "CANCEL"],
  ["nested field", `{ topic(id: "1") { epochLengt } }`, undefined, "epochLength"],
];

describe("schema details hidden when introspection is off (hostile)", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("answers typos without suggestions over HTTP and graphql-ws", async () => {
    const api = await spawnApi(db.url);
    for (const [what, query, variables, name] of TYPOS) {
      const res = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
      const text = await res.text();
      const body = JSON.parse(text);
      assert.ok(body.errors?.length, `${what}: ${text}`);
      assert.ok(["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"].includes(body.errors[0].extensions?.code), `${what}: ${text}`);
      assert.doesNotMatch(text, /Did you mean/, what);
      assert.ok(!text.includes(`"${name}`) && !text.includes(`\\"${name}\\"`), `${what} leaks ${name}: ${text}`);
    }
    const s = rawSocket(api.url);
    assert.equal(await s.acked, true);
    TYPOS.forEach(([, query, variables], i) => s.send({ id: `t${i}`, type: "subscribe", payload: { query, variables } }));
    await until(() => `the replies (${JSON.stringify(s.messages)})`, () => TYPOS.every((_, i) => s.messages.some((m) => m.id === `t${i}`)), 10_000);
    TYPOS.forEach(([what, , , name], i) => {
      const m = s.messages.find((x) => x.id === `t${i}`);
      const text = JSON.stringify(m);
      // Validation errors come as `error`; variable coercion errors as a `next` result with errors.
      const errors = m.type === "error" ? m.payload : m.payload.errors;
      assert.ok(["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"].includes(errors?.[0]?.extensions?.code), `${what}: ${text}`);
      assert.doesNotMatch(text, /Did you mean/, `${what} (ws)`);
      assert.ok(!text.includes(`\\"${name}\\"`), `${what} leaks ${name} over ws: ${text}`);
    });
    s.socket.close();
    await api.stop();
  });
});
