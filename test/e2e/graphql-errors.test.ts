/** Bad input, error codes and what error responses may reveal, over HTTP. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LifecycleCommands } from "../../src/app/lifecycle-commands.js";
import { PrismaReadModel } from "../../src/db/read-model.js";
import { ConflictError, IllegalTransitionError, InvalidTopicSettingsError, NotFoundError } from "../../src/domain/index.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { lifecycleFor } from "../helpers/lifecycle.js";
import { seedEpochs } from "../helpers/seed-epochs.js";

const BAD_STRINGS = ["-1", "1.5", "0x10", "", " 7", "18446744073709551616", "1e3", "007", "+5"];
/** Written into the JSON body verbatim: JSON.parse turns the big ones into inexact doubles. */
const BAD_NUMBERS = ["-1", "1.5", "9007199254740993", "18446744073709551616", "1e300"];

function onlyError(body: { errors?: { message: string; extensions: { code: string; retryable?: boolean } }[] }) {
  assert.ok(body.errors?.length, `expected errors, got ${JSON.stringify(body)}`);
  return body.errors[0]!;
}

describe("GraphQL errors (e2e)", () => {
  let db: TestDatabase;
  let api: TestApi;
  let cursors: { epoch: string; transition: string; topic: string };
  before(async () => {
    db = await createTestDatabase();
    await seedEpochs(db.prisma);
    api = await startTestApi({ db, nodeEnv: "production" });
    const d = (await api.gql(`{ epochs(first: 1) { pageInfo { endCursor } } transitions(first: 1) { pageInfo { endCursor } } topics(first: 1) { pageInfo { endCursor } } }`)).body.data;
    cursors = { epoch: d.epochs.pageInfo.endCursor, transition: d.transitions.pageInfo.endCursor, topic: d.topics.pageInfo.endCursor };
  });
  after(async () => {
    await api?.stop();
    await db?.close();
  });

  it("rejects every malformed Uint64 / NonceV2 literal with BAD_USER_INPUT naming the argument", async () => {
    for (const bad of BAD_STRINGS) {
      for (const [query, arg] of [
        [`{ topic(id: ${JSON.stringify(bad)}) { id } }`, `argument "id" of field "topic"`],
        [`{ epoch(topicId: "1", nonce: ${JSON.stringify(bad)}) { state } }`, `argument "nonce" of field "epoch"`],
        [`{ epochs(where: { topicId: ${JSON.stringify(bad)} }) { totalCount } }`, `argument "where.topicId" of field "epochs"`],
        [`{ transitions(topicId: "1", nonce: ${JSON.stringify(bad)}) { pageInfo { hasNextPage } } }`, `argument "nonce" of field "transitions"`],
      ] as const) {
        const res = await api.gql(query);
        const err = onlyError(res.body);
        assert.equal(err.extensions.code, "BAD_USER_INPUT", `${query}: ${JSON.stringify(err)}`);
        assert.ok(err.message.includes(arg), `${query}: ${err.message}`);
        assert.equal(res.status, 400);
      }
    }
    for (const literal of ["-1", "1.5", "9007199254740993", "18446744073709551616", "true"]) {
      const err = onlyError((await api.gql(`{ topic(id: ${literal}) { id } }`)).body);
      assert.equal(err.extensions.code, "BAD_USER_INPUT", literal);
      assert.match(err.message, /argument "id" of field "topic"/);
    }
  });

  it("rejects the same values passed as variables, and JSON numbers beyond 2^53", async () => {
    const query = `query($t: Uint64!, $n: NonceV2!) { epoch(topicId: $t, nonce: $n) { state } }`;
    for (const bad of BAD_STRINGS) {
      for (const [vars, name] of [
        [{ t: bad, n: "1" }, `variable "$t" (argument "topicId" of field "epoch")`],
        [{ t: "1", n: bad }, `variable "$n" (argument "nonce" of field "epoch")`],
      ] as const) {
        const res = await api.gql(query, vars);
        const err = onlyError(res.body);
        assert.equal(err.extensions.code, "BAD_USER_INPUT", JSON.stringify(vars));
        assert.ok(err.message.includes(name), err.message);
        assert.equal(res.status, 400);
      }
    }
    for (const n of BAD_NUMBERS) {
      const res = await api.post(`{"query": ${JSON.stringify(query)}, "variables": {"t": ${n}, "n": "1"}}`);
      const err = onlyError(res.body);
      assert.equal(err.extensions.code, "BAD_USER_INPUT", n);
      assert.ok(err.message.includes(`argument "topicId"`), err.message);
    }
    const big = onlyError((await api.post(`{"query": ${JSON.stringify(query)}, "variables": {"t": 9007199254740993, "n": "1"}}`)).body);
    assert.match(big.message, /2\^53/);
    const nested = onlyError((await api.gql(`query($w: EpochFilter) { epochs(where: $w) { totalCount } }`, { w: { topicId: " 7" } })).body);
    assert.match(nested.message, /variable "\$w" at "w\.topicId" \(argument "where" of field "epochs"\)/);
  });

  it("rejects a nonce whose payload overflows 56 bits, or whose version overflows a byte", async () => {
    for (const bad of ["v1/72057594037927936", "v256/1", "v1/", "v01/1", "V1/1", "v1/-1"]) {
      const err = onlyError((await api.gql(`query($n: NonceV2!) { epoch(topicId: "1", nonce: $n) { state } }`, { n: bad })).body);
      assert.equal(err.extensions.code, "BAD_USER_INPUT", bad);
      assert.match(err.message, /argument "nonce"/);
    }
    const err = onlyError((await api.gql(`{ epoch(topicId: "1", nonce: "v1/72057594037927936") { state } }`)).body);
    assert.match(err.message, /payload overflows 56 bits/);
  });

  it("accepts the extremes: 0 and 2^64 − 1", async () => {
    const res = await api.gql(`{ a: topic(id: "0") { id } b: topic(id: "18446744073709551615") { id } c: epoch(topicId: 0, nonce: "18446744073709551615") { state } }`);
    assert.deepEqual(res.body, { data: { a: null, b: { id: "18446744073709551615" }, c: null } });
  });

  it("rejects a negative `first` and tampered or foreign cursors with BAD_USER_INPUT", async () => {
    const neg = onlyError((await api.gql(`{ epochs(first: -1) { totalCount } }`)).body);
    assert.deepEqual([neg.extensions.code, /first/.test(neg.message)], ["BAD_USER_INPUT", true]);
    const negNested = onlyError((await api.gql(`{ topics { edges { node { epochs(first: -5) { totalCount } } } } }`)).body);
    assert.equal(negNested.extensions.code, "BAD_USER_INPUT");

    const flip = (c: string) => c.slice(0, 5) + (c[5] === "A" ? "B" : "A") + c.slice(6);
    const raw = Buffer.from(cursors.epoch, "base64url").toString();
    const forged = Buffer.from(raw.replace(/:(\d)/, ":9$1"), "utf8").toString("base64url");
    const attempts: [string, string][] = [
      ["epochs", flip(cursors.epoch)],
      ["epochs", forged],
      ["epochs", cursors.transition],
      ["epochs", cursors.topic],
      ["openWorkerWindows", "not-a-cursor"],
      ["openReputerWindows", ""],
      ["transitions", cursors.epoch],
      ["transitions", flip(cursors.transition)],
      ["topics", cursors.epoch],
      ["topics", "%%%"],
    ];
    for (const [field, after] of attempts) {
      const sel = field === "transitions" ? "pageInfo { hasNextPage }" : "totalCount";
      const err = onlyError((await api.gql(`query($a: String) { ${field}(after: $a) { ${sel} } }`, { a: after })).body);
      assert.equal(err.extensions.code, "BAD_USER_INPUT", `${field} ${after}`);
      assert.match(err.message, /after/);
    }
    const nested = onlyError((await api.gql(`query($a: String) { epochs(first: 1) { edges { node { transitions(after: $a) { pageInfo { hasNextPage } } } } } }`, { a: cursors.epoch })).body);
    assert.equal(nested.extensions.code, "BAD_USER_INPUT");
  });

  it("asks for topicId when transitions get only a nonce", async () => {
    const err = onlyError((await api.gql(`{ transitions(nonce: "1") { pageInfo { hasNextPage } } }`)).body);
    assert.equal(err.extensions.code, "BAD_USER_INPUT");
    assert.match(err.message, /nonce requires topicId/);
  });

  it("answers graphql's own request errors with 400 and their codes, never a 500", async () => {
    const cases: [string, string][] = [
      [`{ nope }`, "GRAPHQL_VALIDATION_FAILED"],
      [`{ epoch(topicId: "1") { state } }`, "GRAPHQL_VALIDATION_FAILED"],
      [`{ topics(active: 3) { totalCount } }`, "GRAPHQL_VALIDATION_FAILED"],
      [`{ epochs(where: { state: SLEEPING }) { totalCount } }`, "GRAPHQL_VALIDATION_FAILED"],
      [`{ epochs(first: "ten") { totalCount } }`, "GRAPHQL_VALIDATION_FAILED"],
      [`{ epochs { edges { node { topic } } } }`, "GRAPHQL_VALIDATION_FAILED"],
      [`{ epochs(`, "GRAPHQL_PARSE_FAILED"],
    ];
    for (const [query, code] of cases) {
      const res = await api.gql(query);
      assert.equal(res.status, 400, query);
      assert.equal(onlyError(res.body).extensions.code, code, query);
    }
    const wrongVar = await api.gql(`query($f: Int) { epochs(first: $f) { totalCount } }`, { f: "ten" });
    assert.deepEqual([wrongVar.status, onlyError(wrongVar.body).extensions.code], [400, "BAD_USER_INPUT"]);
    const notJson = await api.post(`{"query": "{ topics { totalCount } }"`);
    assert.equal(notJson.status, 400);
    assert.equal(typeof notJson.body, "object");
    assert.doesNotMatch(JSON.stringify(notJson.body), /at .*\.js|node_modules/);
    const noQuery = await api.post(`{}`);
    assert.equal(noQuery.status, 400);
  });

  it("hides unexpected errors: INTERNAL_SERVER_ERROR, generic message, no stack or SQL (outside development)", async () => {
    const leaky = new PrismaReadModel(db.prisma, db.pool);
    leaky.countTopics = async () => {
      throw new Error(`Raw query failed. Code: 42P01. Message: relation "topic" does not exist in SELECT count(*) FROM topic`);
    };
    const prod = await startTestApi({ readModel: leaky, nodeEnv: "production" });
    const dev = await startTestApi({ readModel: leaky, nodeEnv: "development" });
    try {
      const res = await prod.gql(`{ topics(first: 1) { totalCount edges { node { id } } } }`);
      assert.equal(res.status, 200);
      const err = onlyError(res.body);
      assert.deepEqual(err, { message: "Internal server error", locations: [{ line: 1, column: 22 }], path: ["topics", "totalCount"], extensions: { code: "INTERNAL_SERVER_ERROR", retryable: false } });
      assert.doesNotMatch(JSON.stringify(res.body), /SELECT|relation|stack|\.ts/);
      assert.equal(prod.hidden.length, 1, "the hidden error is logged on the server");

      const devErr = onlyError((await dev.gql(`{ topics(first: 1) { totalCount } }`)).body) as { message: string; extensions: { code: string; stacktrace?: string[] } };
      assert.equal(devErr.extensions.code, "INTERNAL_SERVER_ERROR");
      assert.match(devErr.message, /relation "topic" does not exist/);
      assert.ok(devErr.extensions.stacktrace?.length, "development mode includes the stack");
    } finally {
      await prod.stop();
      await dev.stop();
    }
  });

  it("maps each error of a mutation to its code and retryable flag; without a lifecycle service, SERVICE_UNAVAILABLE", async () => {
    const fail = (e: Error) => async () => {
      throw e;
    };
    const commands = {
      createTopic: fail(new InvalidTopicSettingsError("invalid topic settings: epochLength must be at least 1 second, got 0", "epochLength")),
      updateTopic: fail(new NotFoundError("topic 9 not found")),
      activateTopic: fail(new ConflictError("topic 9 changed concurrently")),
      deactivateTopic: fail(new Error("column t.bogus does not exist: SELECT t.bogus FROM topic t")),
      startEpoch: fail(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })),
      applyEpochTransition: fail(new IllegalTransitionError("COMPLETED", "CANCEL")),
      cancelEpoch: fail(new IllegalTransitionError("CANCELLED", "CANCEL")),
    } satisfies LifecycleCommands;
    const withService = await startTestApi({ db, commands, nodeEnv: "production" });
    try {
      const cases: [string, string, boolean][] = [
        [`mutation { createTopic(input: { epochLength: 0, groundTruthLag: 1, workerSubmissionWindow: 1 }) { id } }`, "BAD_USER_INPUT", false],
        [`mutation { updateTopic(id: "9", input: { epochLength: 5 }) { id } }`, "NOT_FOUND", false],
        [`mutation { activateTopic(id: "9") { id } }`, "CONFLICT", true],
        [`mutation { deactivateTopic(id: "9") { id } }`, "INTERNAL_SERVER_ERROR", false],
        [`mutation { startEpoch(topicId: "9") { nonce } }`, "SERVICE_UNAVAILABLE", true],
        [`mutation { applyEpochTransition(topicId: "1", nonce: "1", transition: CANCEL) { state } }`, "ILLEGAL_TRANSITION", false],
        [`mutation { cancelEpoch(topicId: "1", nonce: "1", reason: "x") { state } }`, "ILLEGAL_TRANSITION", false],
      ];
      for (const [query, code, retryable] of cases) {
        const err = onlyError((await withService.gql(query)).body);
        assert.deepEqual([err.extensions.code, err.extensions.retryable], [code, retryable], query);
        if (code === "INTERNAL_SERVER_ERROR") assert.equal(err.message, "Internal server error");
        if (code === "SERVICE_UNAVAILABLE") assert.equal(err.message, "the database is unavailable; retry shortly");
      }
      const bad = onlyError((await withService.gql(cases[0]![0])).body) as { extensions: { argument?: string } };
      assert.equal(bad.extensions.argument, "epochLength");
      const unavailable = onlyError((await api.gql(`mutation { startEpoch(topicId: "1") { nonce } }`)).body);
      assert.deepEqual([unavailable.extensions.code, unavailable.extensions.retryable], ["SERVICE_UNAVAILABLE", false], "a deployment choice, not a passing state");
      const viaGet = await fetch(`${api.url}/graphql?query=${encodeURIComponent(`mutation { startEpoch(topicId: "1") { nonce } }`)}`, { headers: { "apollo-require-preflight": "1" } });
      assert.equal(viaGet.status, 405, "mutations are refused over GET");
    } finally {
      await withService.stop();
    }
  });

  it("refuses groundTruthLag below epochLength, on create and update, naming the field and writing nothing", async () => {
    const withService = await startTestApi({ db, commands: lifecycleFor(db).commands, nodeEnv: "production" });
    try {
      const count = async () => (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM topic`)[0]!.n;
      const before = await count();
      const refused = async (query: string, argument: string) => {
        const res = await withService.gql(query);
        const err = onlyError(res.body) as { message: string; extensions: { code: string; argument?: string } };
        assert.equal(err.extensions.code, "BAD_USER_INPUT", query);
        assert.equal(err.extensions.argument, argument, query);
        assert.match(err.message, /groundTruthLag \(\d+ s\) must be at least epochLength \(\d+ s\)/);
        assert.equal(res.body.data, null);
      };
      // The issue's example: accepted before, a reputer window [T+50 s, T+200 s].
      await refused(`mutation { createTopic(input: { epochLength: 100, groundTruthLag: 50, workerSubmissionWindow: 10 }) { id } }`, "groundTruthLag");
      await refused(`mutation { createTopic(input: { epochLength: 60, groundTruthLag: 59, workerSubmissionWindow: 10, active: true }) { id } }`, "groundTruthLag");
      assert.equal(await count(), before, "nothing written");
      const created = await withService.gql(`mutation { createTopic(input: { epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 10 }) { id } }`);
      const id = created.body.data.createTopic.id as string;
      await refused(`mutation { updateTopic(id: "${id}", input: { groundTruthLag: 30 }) { id } }`, "groundTruthLag");
      await refused(`mutation { updateTopic(id: "${id}", input: { epochLength: 61 }) { id } }`, "epochLength");
      const topic = (await withService.gql(`{ topic(id: "${id}") { epochLength groundTruthLag } }`)).body.data.topic;
      assert.deepEqual(topic, { epochLength: 60, groundTruthLag: 60 }, "the refused updates changed nothing");
    } finally {
      await withService.stop();
    }
  });
});
