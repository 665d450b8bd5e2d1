import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OpenWindowCache } from "../../src/app/open-window-cache.js";
import type { ReadModel } from "../../src/app/read-model.js";
import type { EpochFilter, EpochRecord } from "../../src/app/records.js";
import { EpochState } from "../../src/domain/index.js";
import type { CommitNotice } from "../../src/app/commit-notice.js";

const { INIT, WORKER_SUBMISSION, WAITING_GROUND_TRUTH, REPUTER_SUBMISSION, PENDING_COMPLETION, COMPLETED, CANCELLED } = EpochState;

function notice(topics: bigint[] | "any", states: EpochState[] | "any"): CommitNotice {
  return { topics: topics === "any" ? "any" : new Set(topics), states: states === "any" ? "any" : new Set(states) };
}

function epoch(nonce: bigint, state = WORKER_SUBMISSION): EpochRecord {
  const t = Date.UTC(2026, 10, 25);
  return { topicId: 1n, nonce, state, version: 1, windows: { workerOpenAt: t, workerCloseAt: t, reputerOpenAt: t, reputerCloseAt: t }, createdAt: new Date(t), updatedAt: new Date(t) };
}

/** A read model whose listEpochs answers from `rows` and counts its calls; `gate` holds answers back. */
function fakeReads() {
  const state = { rows: [epoch(1n)], lists: 0, counts: 0, gate: null as Promise<void> | null, fail: false };
  const model = {
    async listEpochs(_f: EpochFilter) {
      state.lists++;
      const rows = state.rows;
      const fail = state.fail;
      await state.gate;
      if (fail) throw new Error("database away");
      return rows;
    },
    async countEpochs() {
      state.counts++;
      return state.rows.length;
    },
  } as unknown as ReadModel;
  return { state, model };
}

const open = { states: [WORKER_SUBMISSION] };
const page = { limit: 51 };

describe("open-window cache", () => {
  it("serves a page from memory until a commit notice, then reads again", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
    cache.setListening(true);
    assert.deepEqual(await cache.listEpochs(open, page), [epoch(1n)]);
    assert.deepEqual(await cache.listEpochs(open, page), [epoch(1n)]);
    assert.equal(state.lists, 1);
    state.rows = [epoch(2n)];
    cache.invalidate();
    assert.deepEqual(await cache.listEpochs(open, page), [epoch(2n)]);
    assert.equal(state.lists, 2);
  });

  it("keys pages by topic, state, position and size; caches counts of the same filters", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
    cache.setListening(true);
    await cache.listEpochs(open, page);
    await cache.listEpochs({ ...open, topicId: 1n }, page);
    await cache.listEpochs({ states: [REPUTER_SUBMISSION] }, page);
    await cache.listEpochs(open, { limit: 11 });
    await cache.listEpochs(open, { limit: 51, after: { startAt: 1, topicId: 1n, nonce: 1n } });
    assert.equal(state.lists, 5);
    await cache.countEpochs(open);
    await cache.countEpochs(open);
    assert.equal(state.counts, 1);
  });

  it("keys pages by order too (the same position means another row in another order)", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
    cache.setListening(true);
    const after = { startAt: 1, topicId: 1n, nonce: 1n };
    for (const sort of [undefined, "NEWEST_FIRST", "OLDEST_FIRST", "WORKER_CLOSE_SOONEST", "REPUTER_CLOSE_SOONEST"] as const) {
      await cache.listEpochs(open, { limit: 51, after, sort });
      await cache.listEpochs(open, { limit: 51, after, sort });
    }
    // undefined and NEWEST_FIRST are one order.
    assert.equal(state.lists, 4);
  });

  it("reads through for topicIds and time ranges (dashboard queries)", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
    cache.setListening(true);
    for (const filter of [{ ...open, topicIds: [1n] }, { ...open, workerOpensAfter: 5 }, { ...open, reputerClosesBefore: 5 }]) {
      await cache.listEpochs(filter, page);
      await cache.listEpochs(filter, page);
      await cache.countEpochs(filter);
      await cache.countEpochs(filter);
    }
    assert.equal(state.lists, 6);
    assert.equal(state.counts, 6);
  });

  it("reads through for anything but one submission state", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
    cache.setListening(true);
    for (const filter of [{}, { states: [COMPLETED] }, { states: [WORKER_SUBMISSION, REPUTER_SUBMISSION] }]) {
      await cache.listEpochs(filter, page);
      await cache.listEpochs(filter, page);
    }
    assert.equal(state.lists, 6);
  });

  it("caches nothing until, and while not, listening for commits", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
    await cache.listEpochs(open, page);
    await cache.listEpochs(open, page);
    assert.equal(state.lists, 2);
    cache.setListening(true);
    await cache.listEpochs(open, page);
    cache.setListening(false);
    await cache.listEpochs(open, page);
    assert.equal(state.lists, 4);
  });

  it("expires entries after the TTL", async () => {
    const { state, model } = fakeReads();
    let now = 0;
    const cache = new OpenWindowCache(model, { ttlMs: 1000, now: () => now });
    cache.setListening(true);
    await cache.listEpochs(open, page);
    now = 999;
    await cache.listEpochs(open, page);
    assert.equal(state.lists, 1);
    now = 1000;
    await cache.listEpochs(open, page);
    assert.equal(state.lists, 2);
  });

  it("shares one query among concurrent misses, and does not keep an answer a notice overtook", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
    cache.setListening(true);
    let release!: () => void;
    state.gate = new Promise((r) => (release = r));
    const a = cache.listEpochs(open, page);
    const b = cache.listEpochs(open, page);
    assert.equal(state.lists, 1);
    cache.invalidate(); // a transition committed while the page was being read
    state.rows = [epoch(2n)];
    const c = cache.listEpochs(open, page);
    assert.equal(state.lists, 2, "a read started after the notice does not join the older one");
    release();
    assert.deepEqual([await a, await b], [[epoch(1n)], [epoch(1n)]]);
    assert.deepEqual(await c, [epoch(2n)]);
    state.gate = null;
    assert.deepEqual(await cache.listEpochs(open, page), [epoch(2n)]);
    assert.equal(state.lists, 2);
  });

  it("does not keep a failed read", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
    cache.setListening(true);
    state.fail = true;
    await assert.rejects(cache.listEpochs(open, page), /database away/);
    state.fail = false;
    assert.deepEqual(await cache.listEpochs(open, page), [epoch(1n)]);
    assert.equal(state.lists, 2);
  });

  it("drops the oldest pages beyond its row budget", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000, maxRows: 2 });
    cache.setListening(true);
    for (const topicId of [1n, 2n, 3n]) await cache.listEpochs({ ...open, topicId }, page);
    await cache.listEpochs({ ...open, topicId: 3n }, page);
    await cache.listEpochs({ ...open, topicId: 2n }, page);
    assert.equal(state.lists, 3);
    await cache.listEpochs({ ...open, topicId: 1n }, page);
    assert.equal(state.lists, 4);
  });

  describe("drops only the pages a notice can affect", () => {
    // Pages: topic 1 and 2 and global, worker and reputer, plus a count of each.
    const filters = [1n, 2n, undefined].flatMap((topicId) => [WORKER_SUBMISSION, REPUTER_SUBMISSION].map((s) => ({ topicId, states: [s] })));
    async function readAll(cache: OpenWindowCache): Promise<void> {
      for (const f of filters) {
        await cache.listEpochs(f, page);
        await cache.countEpochs(f);
      }
    }
    /** Which pages each notice drops, as "topic|state" of the list pages read again. */
    async function dropped(n: CommitNotice | undefined): Promise<string[]> {
      const seen: string[] = [];
      const model = {
        async listEpochs(f: { topicId?: bigint; states: EpochState[] }) {
          seen.push(`${f.topicId ?? "*"}|${EpochState[f.states[0]!]}`);
          return [];
        },
        async countEpochs() {
          return 0;
        },
      } as unknown as ReadModel;
      const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
      cache.setListening(true);
      await readAll(cache);
      seen.length = 0;
      cache.invalidate(n);
      await readAll(cache);
      return seen.sort();
    }

    it("a start on topic 1 (INIT → worker): topic 1's and the global worker pages", async () => {
      assert.deepEqual(await dropped(notice([1n], [INIT, WORKER_SUBMISSION])), ["*|WORKER_SUBMISSION", "1|WORKER_SUBMISSION"]);
    });
    it("a reputer window closing on topic 2: topic 2's and the global reputer pages", async () => {
      assert.deepEqual(await dropped(notice([2n], [REPUTER_SUBMISSION, PENDING_COMPLETION])), ["*|REPUTER_SUBMISSION", "2|REPUTER_SUBMISSION"]);
    });
    it("changes outside the submission states: nothing", async () => {
      assert.deepEqual(await dropped(notice([1n, 2n], [WAITING_GROUND_TRUTH, PENDING_COMPLETION, COMPLETED, CANCELLED])), []);
    });
    it("a batch over topics 1 and 3 touching both windows: those topics' pages and the global ones", async () => {
      assert.deepEqual(await dropped(notice([1n, 3n], [WORKER_SUBMISSION, WAITING_GROUND_TRUTH, REPUTER_SUBMISSION])), [
        "*|REPUTER_SUBMISSION", "*|WORKER_SUBMISSION", "1|REPUTER_SUBMISSION", "1|WORKER_SUBMISSION",
      ]);
    });
    it("any topic, worker states: every worker page", async () => {
      assert.deepEqual(await dropped(notice("any", [INIT, WORKER_SUBMISSION])), ["*|WORKER_SUBMISSION", "1|WORKER_SUBMISSION", "2|WORKER_SUBMISSION"]);
    });
    it("a notice that says nothing (legacy payload), or none: everything", async () => {
      const all = ["*|REPUTER_SUBMISSION", "*|WORKER_SUBMISSION", "1|REPUTER_SUBMISSION", "1|WORKER_SUBMISSION", "2|REPUTER_SUBMISSION", "2|WORKER_SUBMISSION"];
      assert.deepEqual(await dropped(notice("any", "any")), all);
      assert.deepEqual(await dropped(undefined), all);
    });
    it("a notice naming many topics, few of them cached", async () => {
      const many = Array.from({ length: 500 }, (_, i) => BigInt(i + 2));
      assert.deepEqual(await dropped(notice(many, [WORKER_SUBMISSION])), ["*|WORKER_SUBMISSION", "2|WORKER_SUBMISSION"]);
    });
  });

  it("does not keep an answer a notice about its page overtook, keeps one about another topic", async () => {
    const { state, model } = fakeReads();
    const cache = new OpenWindowCache(model, { ttlMs: 60_000 });
    cache.setListening(true);
    let release!: () => void;
    state.gate = new Promise((r) => (release = r));
    const a = cache.listEpochs({ ...open, topicId: 1n }, page);
    const b = cache.listEpochs({ ...open, topicId: 2n }, page);
    cache.invalidate(notice([1n], [WORKER_SUBMISSION, WAITING_GROUND_TRUTH]));
    release();
    await Promise.all([a, b]);
    state.gate = null;
    await cache.listEpochs({ ...open, topicId: 1n }, page);
    await cache.listEpochs({ ...open, topicId: 2n }, page);
    assert.equal(state.lists, 3, "topic 1 read again, topic 2 served from memory");
  });

  it("reports hits and misses while listening", async () => {
    const { model } = fakeReads();
    const reads: boolean[] = [];
    const cache = new OpenWindowCache(model, { ttlMs: 60_000, onRead: (hit) => reads.push(hit) });
    await cache.listEpochs(open, page);
    cache.setListening(true);
    await cache.listEpochs(open, page);
    await cache.listEpochs(open, page);
    await cache.listEpochs({}, page);
    assert.deepEqual(reads, [false, true]);
  });
});
