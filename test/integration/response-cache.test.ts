/**
 * Whole-response cache of open-window queries (in-process server): a hit skips execution, only
 * covered queries are kept, notices drop what they can affect, and auth is applied before a hit.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAuthenticator } from "../../src/auth/authenticator.js";
import type { ReadModel } from "../../src/app/read-model.js";
import { PrismaReadModel } from "../../src/db/read-model.js";
import { ResponseCache } from "../../src/graphql/response-cache.js";
import { parseCommitNotice } from "../../src/app/commit-notice.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { API_KEYS, OPERATOR_KEY, VIEWER_KEY, bearer } from "../helpers/credentials.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const OPEN = `query Open($t: Uint64) { openWorkerWindows(topicId: $t) { totalCount edges { cursor node { id topicId nonce state workerWindow { isOpen } } } pageInfo { hasNextPage } } }`;
const GLOBAL = `{ openWorkerWindows(first: 50) { totalCount } openReputerWindows(first: 50) { totalCount edges { node { reputerWindowOverlapsOlder } } } }`;
const WITH_TOPIC = `{ openWorkerWindows(first: 5) { edges { node { topic { id } } } } }`;

/** The database's read model, counting the listings it runs (one per executed open-window field). */
function countingReads(inner: ReadModel): { model: ReadModel; lists: () => number } {
  let n = 0;
  const model = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === "listEpochs") return (...args: unknown[]) => (n++, (v as (...a: unknown[]) => unknown).apply(target, args));
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { model, lists: () => n };
}

describe("response cache", () => {
  let db: TestDatabase;
  let api: TestApi;
  let strict: TestApi;
  let cache: ResponseCache;
  let strictCache: ResponseCache;
  let lists: () => number;
  before(async () => {
    db = await createTestDatabase();
    const reads = countingReads(new PrismaReadModel(db.prisma, db.pool));
    lists = reads.lists;
    cache = new ResponseCache({ ttlMs: 60_000, maxEntries: 100 });
    strictCache = new ResponseCache({ ttlMs: 60_000, maxEntries: 100 });
    cache.setListening(true);
    strictCache.setListening(true);
    api = await startTestApi({ readModel: reads.model, responseCache: cache });
    strict = await startTestApi({
      readModel: reads.model,
      responseCache: strictCache,
      security: { authenticator: await createAuthenticator({ apiKeys: API_KEYS, queries: "required" }) },
    });
  });
  after(async () => {
    await api?.stop();
    await strict?.stop();
    await db?.close();
  });

  /** Runs the query and says whether it executed (ran a listing) and what it answered. */
  async function run(server: TestApi, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) {
    const before = lists();
    const res = await server.gql(query, variables, headers);
    return { executed: lists() > before, status: res.status, body: res.body };
  }

  it("answers a repeated open-window query without executing it, identically", async () => {
    const a = await run(api, OPEN, { t: "7" });
    const b = await run(api, OPEN, { t: "7" });
    assert.equal(a.executed, true);
    assert.equal(b.executed, false);
    assert.deepEqual(b.body, a.body);
    assert.equal((await run(api, OPEN, { t: "8" })).executed, true, "other variables, another entry");
    assert.equal((await run(api, OPEN, { t: 7 })).executed, true, "variables are keyed as sent");
    assert.equal((await run(api, GLOBAL)).executed, true);
    assert.equal((await run(api, GLOBAL)).executed, false);
  });

  it("drops entries a notice can affect, keeps the others", async () => {
    await run(api, OPEN, { t: "7" });
    await run(api, OPEN, { t: "8" });
    await run(api, GLOBAL);
    cache.invalidate(parseCommitNotice("v1;0,1;8"));
    assert.equal((await run(api, OPEN, { t: "7" })).executed, false, "topic 7 untouched");
    assert.equal((await run(api, OPEN, { t: "8" })).executed, true);
    assert.equal((await run(api, GLOBAL)).executed, true, "the global worker listing");
    cache.invalidate(parseCommitNotice("v1;4,5;*"));
    assert.equal((await run(api, OPEN, { t: "7" })).executed, false, "no submission state touched");
    assert.equal((await run(api, GLOBAL)).executed, false);
    cache.invalidate(parseCommitNotice("v1;3,4;*"));
    assert.equal((await run(api, OPEN, { t: "7" })).executed, false, "a reputer change leaves worker listings");
    assert.equal((await run(api, GLOBAL)).executed, true, "it selects openReputerWindows too");
    cache.invalidate(parseCommitNotice(""));
    assert.equal((await run(api, OPEN, { t: "7" })).executed, true, "a notice without payload drops everything");
  });

  it("keeps nothing while notices are not heard", async () => {
    cache.setListening(false);
    assert.equal((await run(api, OPEN, { t: "9" })).executed, true);
    assert.equal((await run(api, OPEN, { t: "9" })).executed, true);
    cache.setListening(true);
  });

  it("does not cache fields the notices do not cover, mutations or failed queries", async () => {
    assert.equal((await run(api, WITH_TOPIC)).executed, true);
    assert.equal((await run(api, WITH_TOPIC)).executed, true, "Epoch.topic changes without transitions");
    await run(api, OPEN, { t: "7" });
    const size = cache.size;
    assert.ok(size > 0);
    const bad = `{ openWorkerWindows(after: "not-a-cursor") { totalCount } }`;
    assert.ok(((await run(api, bad)).body as any).errors?.length);
    assert.equal(cache.size, size, "an answer with errors is not kept");
    await run(api, `mutation { startEpoch(topicId: "7") { nonce } }`);
    assert.equal(cache.size, size);
  });

  it("applies authentication and roles before a hit", async () => {
    const viewer = await run(strict, OPEN, { t: "7" }, bearer(VIEWER_KEY));
    assert.equal(viewer.status, 200);
    assert.equal((await run(strict, OPEN, { t: "7" }, bearer(VIEWER_KEY))).executed, false);
    const anonymous = await run(strict, OPEN, { t: "7" });
    assert.equal(anonymous.status, 401, "an unauthenticated request is refused, cached answer or not");
    assert.equal((anonymous.body as any).errors[0].extensions.code, "UNAUTHENTICATED");
    assert.equal((await run(strict, OPEN, { t: "7" }, bearer(OPERATOR_KEY))).executed, true, "the role is part of the key");
    assert.equal((await run(strict, OPEN, { t: "7" }, bearer(OPERATOR_KEY))).executed, false);
  });
});
