/**
 * Fine-grained invalidation across processes: one API process reads (open-window cache with a TTL
 * far longer than the test), another commits transitions through its mutations. The reader hears
 * of them only through commit notices, which name the topics and states touched: pages they can
 * affect are read again (never served stale once the notice is in), pages of other topics stay.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { samples } from "../helpers/metrics-text.js";

const OPEN = `query($t: Uint64) { openWorkerWindows(topicId: $t) { totalCount edges { node { topicId nonce state } } } }`;
const GLOBAL = `{ openWorkerWindows(first: 50) { totalCount edges { node { topicId nonce } } } }`;
const REPUTER = `query($t: Uint64) { openReputerWindows(topicId: $t) { totalCount edges { node { nonce } } } }`;

// With whole responses cached a repeated read is one response hit; without, a list and a count page hit.
for (const { responseCache, hitsPerRead } of [{ responseCache: true, hitsPerRead: 1 }, { responseCache: false, hitsPerRead: 2 }]) describe(`commit notices across processes (reader and writer API processes; response cache ${responseCache ? "on" : "off"})`, () => {
  let db: TestDatabase;
  let reader: ApiProcess;
  let writer: ApiProcess;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  const nonces = async (topic: string): Promise<string[]> =>
    ((await reader.gql(OPEN, { t: topic })).openWorkerWindows.edges as { node: { nonce: string } }[]).map((e) => e.node.nonce);
  const globalKeys = async (): Promise<string[]> =>
    ((await reader.gql(GLOBAL)).openWorkerWindows.edges as { node: { topicId: string; nonce: string } }[]).map((e) => `${e.node.topicId}/${e.node.nonce}`);
  /** Cache reads of the reader, page and response caches together. */
  async function cacheReads(): Promise<{ hit: number; miss: number }> {
    const text = await (await fetch(`${reader.url}/metrics`)).text();
    const s = samples(text, "epoch_windows_read_cache_total");
    const n = (labels: string) => s.get(labels) ?? 0;
    return {
      hit: n('{cache="page",result="hit"}') + n('{cache="response",result="hit"}'),
      miss: n('{cache="page",result="miss"}') + n('{cache="response",result="miss"}'),
    };
  }

  // Child processes belong to a test (test/helpers/child-process.ts): one test, two steps.
  it("reader and writer", async (t) => {
    // The reader is polled as fast as it answers: no rate limit.
    const env = { OPEN_WINDOW_CACHE_TTL_MS: "60000", RESPONSE_CACHE_ENTRIES: responseCache ? "1000" : "0", RATE_LIMIT_BURST: "0", RATE_LIMIT_PER_SECOND: "0" };
    [reader, writer] = await Promise.all([spawnApi(db.url, env), spawnApi(db.url, env)]);
    for (const id of ["7", "8", "9"]) await writer.gql(`mutation { createTopic(input: { id: "${id}", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 }) { id } }`);
    await t.test("shows every commit of the other process, and never goes back to a page older than one it served", freshness);
    await t.test("keeps the pages of topics and states a commit does not touch", unaffected);
    await Promise.all([reader.stop(), writer.stop()]);
  });

  async function freshness(): Promise<void> {
    const expected: string[] = [];
    // Readers poll all along; each one records what it saw per completed read.
    let stop = false;
    const seen: string[][] = [];
    const polling = (async () => {
      while (!stop) seen.push(await nonces("7"));
    })();
    for (let i = 0; i < 8; i++) {
      const nonce: string = (await writer.gql(`mutation { startEpoch(topicId: "7") { nonce } }`)).startEpoch.nonce;
      expected.unshift(nonce);
      const deadline = Date.now() + 5_000;
      let got: string[] = [];
      while (Date.now() < deadline && !(got = await nonces("7")).includes(nonce)) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(got, expected, "the new epoch shows long before the 60 s TTL");
      // Once seen fresh, every later read is at least as fresh.
      assert.deepEqual(await nonces("7"), expected);
    }
    stop = true;
    await polling;
    // Each epoch only ever joins the list here: a shorter list after a longer one is a stale page.
    let longest = 0;
    for (const page of seen) {
      assert.ok(page.length >= longest, `a read went back from ${longest} to ${page.length} epochs`);
      longest = page.length;
    }
    // Closing every worker window empties the page.
    for (const nonce of expected) await writer.gql(`mutation { applyEpochTransition(topicId: "7", nonce: "${nonce}", transition: CLOSE_WORKER_WINDOW) { state } }`);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (await nonces("7")).length > 0) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(await nonces("7"), []);
    assert.equal((await reader.gql(OPEN, { t: "7" })).openWorkerWindows.totalCount, 0);
  }

  async function unaffected(): Promise<void> {
    const e8: string = (await writer.gql(`mutation { startEpoch(topicId: "8") { nonce } }`)).startEpoch.nonce;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !(await nonces("8")).includes(e8)) await new Promise((r) => setTimeout(r, 10));
    // Cached now: topic 8's worker page, topic 9's reputer page, the global worker page.
    assert.deepEqual(await nonces("8"), [e8]);
    await reader.gql(REPUTER, { t: "9" });
    const before = await globalKeys();
    assert.ok(before.includes(`8/${e8}`));
    const r0 = await cacheReads();
    await nonces("8");
    await reader.gql(REPUTER, { t: "9" });
    const r1 = await cacheReads();
    assert.deepEqual({ hit: r1.hit - r0.hit, miss: r1.miss - r0.miss }, { hit: 2 * hitsPerRead, miss: 0 }, "both pages from memory");

    // Another process starts an epoch on topic 9: a worker-window change of topic 9 only.
    const e9: string = (await writer.gql(`mutation { startEpoch(topicId: "9") { nonce } }`)).startEpoch.nonce;
    const until = Date.now() + 5_000;
    while (Date.now() < until && !(await globalKeys()).includes(`9/${e9}`)) await new Promise((r) => setTimeout(r, 10));
    assert.ok((await globalKeys()).includes(`9/${e9}`), "the global worker page was dropped and read again");

    const r2 = await cacheReads();
    assert.deepEqual(await nonces("8"), [e8]);
    assert.equal((await reader.gql(REPUTER, { t: "9" })).openReputerWindows.totalCount, 0);
    const r3 = await cacheReads();
    assert.deepEqual({ hit: r3.hit - r2.hit, miss: r3.miss - r2.miss }, { hit: 2 * hitsPerRead, miss: 0 }, "topic 8's worker page and topic 9's reputer page were kept");
  }
});
