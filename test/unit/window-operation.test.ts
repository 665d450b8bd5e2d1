import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse, type OperationDefinitionNode } from "graphql";
import { EpochState } from "../../src/domain/index.js";
import { FloatInput } from "../../src/graphql/scalars/float-input.js";
import { variablesKey, windowOperationScopes } from "../../src/graphql/window-operation.js";

const { WORKER_SUBMISSION: W, REPUTER_SUBMISSION: R } = EpochState;

function scopes(source: string, variables?: Record<string, unknown>) {
  const doc = parse(source);
  const op = doc.definitions.find((d) => d.kind === "OperationDefinition") as OperationDefinitionNode;
  return windowOperationScopes(doc, op, variables);
}

describe("open-window operations (what the response cache may keep)", () => {
  it("scope listings by state and topic (literal, variable, absent, null)", () => {
    assert.deepEqual(scopes(`{ openWorkerWindows(topicId: "7") { totalCount } }`), [{ state: W, topic: "7" }]);
    assert.deepEqual(scopes(`{ openReputerWindows(topicId: 7) { totalCount } }`), [{ state: R, topic: "7" }]);
    assert.deepEqual(scopes(`query($t: Uint64) { openWorkerWindows(topicId: $t) { totalCount } }`, { t: "18446744073709551615" }), [{ state: W, topic: "18446744073709551615" }]);
    assert.deepEqual(scopes(`query($t: Uint64) { openWorkerWindows(topicId: $t) { totalCount } }`, { t: null }), [{ state: W, topic: "*" }]);
    assert.deepEqual(scopes(`query($t: Uint64 = "7") { openWorkerWindows(topicId: $t) { totalCount } }`, {}), [{ state: W, topic: "*" }], "a default: conservatively global");
    assert.deepEqual(scopes(`{ a: openWorkerWindows(first: 50) { totalCount } b: openReputerWindows { edges { node { nonce } } } }`), [{ state: W, topic: "*" }, { state: R, topic: "*" }]);
  });

  it("follow fragments on the listed types", () => {
    const q = `query { openWorkerWindows { ...C } } fragment C on EpochConnection { edges { node { ... on Epoch { ...E } __typename } } pageInfo { endCursor } }
      fragment E on Epoch { id nonce workerWindow { openAt isOpen } }`;
    assert.deepEqual(scopes(q), [{ state: W, topic: "*" }]);
  });

  it("refuse anything the notices do not cover", () => {
    for (const q of [
      `{ openWorkerWindows { edges { node { topic { id } } } } }`,
      `{ openWorkerWindows { edges { node { transitions { totalCount } } } } }`,
      `{ openWorkerWindows { totalCount } topics { totalCount } }`,
      `{ openWorkerWindows { edges { node { ... on Node { id } } } } }`,
      `{ __typename }`,
      `mutation { startEpoch(topicId: "7") { nonce } }`,
      `subscription { openWorkerWindows { totalCount } }`,
      `{ openWorkerWindows(topicId: "x") { totalCount } }`,
      `{ openWorkerWindows { ...Missing } }`,
    ]) assert.equal(scopes(q), null, q);
    assert.equal(scopes(`query($t: Uint64) { openWorkerWindows(topicId: $t) { totalCount } }`, { t: new FloatInput("7.0") }), null);
  });

  it("key variables as sent, floats apart", () => {
    assert.notEqual(variablesKey({ t: new FloatInput("7.0") }), variablesKey({ t: "7.0" }));
    assert.notEqual(variablesKey({ t: 7 }), variablesKey({ t: "7" }));
    assert.equal(variablesKey(undefined), variablesKey({}));
  });
});
