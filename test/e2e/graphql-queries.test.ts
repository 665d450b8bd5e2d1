/** Every query and filter over HTTP against a real server and a seeded PostgreSQL. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EpochRecord } from "../../src/app/records.js";
import { ALL_STATES, EpochState, UINT64_MAX, makeNonce } from "../../src/domain/index.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { epochId, newestFirst, seedEpochs, type Seeded } from "../helpers/seed-epochs.js";

const EPOCH_FIELDS = `topicId nonce nonceVersion noncePayload state createdAt updatedAt
  workerWindow { kind openAt closeAt isOpen } reputerWindow { kind openAt closeAt isOpen }`;

describe("GraphQL queries (e2e)", () => {
  let db: TestDatabase;
  let api: TestApi;
  let seed: Seeded;
  before(async () => {
    db = await createTestDatabase();
    seed = await seedEpochs(db.prisma);
    api = await startTestApi({ db });
  });
  after(async () => {
    await api?.stop();
    await db?.close();
  });

  async function data(query: string, variables?: Record<string, unknown>) {
    const res = await api.gql(query, variables);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return res.body.data;
  }
  const ids = (conn: { edges: { node: { topicId: string; nonce: string } }[] }) => conn.edges.map((e) => epochId(e.node));
  const expected = (pred: (e: EpochRecord) => boolean) => seed.epochs.filter(pred).sort(newestFirst).map(epochId);
  const inState = (...states: EpochState[]) => (e: EpochRecord) => states.includes(e.state);

  it("epoch: every field, exact uint64 strings, windows with isOpen from the state", async () => {
    const e = seed.epochs.find((x) => x.topicId === UINT64_MAX && x.state === EpochState.REPUTER_SUBMISSION)!;
    const d = await data(`query($t: Uint64!, $n: NonceV2!) { epoch(topicId: $t, nonce: $n) { ${EPOCH_FIELDS} version } }`, {
      t: String(e.topicId),
      n: String(e.nonce),
    });
    assert.deepEqual(d.epoch, {
      topicId: "18446744073709551615",
      nonce: String(e.nonce),
      nonceVersion: 1,
      noncePayload: String(e.nonce - makeNonce(1, 0n)),
      state: "REPUTER_SUBMISSION",
      createdAt: e.createdAt.toISOString(),
      updatedAt: e.updatedAt.toISOString(),
      workerWindow: { kind: "WORKER", openAt: new Date(e.windows.workerOpenAt).toISOString(), closeAt: new Date(e.windows.workerCloseAt).toISOString(), isOpen: false },
      reputerWindow: { kind: "REPUTER", openAt: new Date(e.windows.reputerOpenAt).toISOString(), closeAt: new Date(e.windows.reputerCloseAt).toISOString(), isOpen: true },
      version: e.version,
    });
    // Reputer window = [T + GTL, T + GTL + extraLag + EL] = [T + 90 s, T + 180 s].
    assert.equal(e.windows.reputerCloseAt - e.windows.workerOpenAt, 180_000);
  });

  it("epoch: a legacy (version 0) nonce, and null for a missing epoch", async () => {
    const d = await data(`{ a: epoch(topicId: "1", nonce: "5000") { nonce nonceVersion noncePayload state workerWindow { isOpen } }
      b: epoch(topicId: "1", nonce: "v1/999") { nonce } c: epoch(topicId: 99, nonce: 1) { nonce } }`);
    assert.deepEqual(d.a, { nonce: "5000", nonceVersion: 0, noncePayload: "5000", state: "INIT", workerWindow: { isOpen: false } });
    assert.equal(d.b, null);
    assert.equal(d.c, null);
  });

  it("epoch: the readable nonce form v<version>/<payload> finds the same epoch", async () => {
    const d = await data(`{ epoch(topicId: 2, nonce: "v1/5") { nonce nonceVersion noncePayload } }`);
    assert.deepEqual(d.epoch, { nonce: String(makeNonce(1, 5n)), nonceVersion: 1, noncePayload: "5" });
  });

  it("epochs: all of them newest first, with totalCount", async () => {
    const d = await data(`{ epochs(first: 500) { totalCount edges { cursor node { topicId nonce } } pageInfo { hasNextPage endCursor } } }`);
    assert.equal(d.epochs.totalCount, seed.epochs.length);
    assert.deepEqual(ids(d.epochs), expected(() => true));
    assert.equal(d.epochs.pageInfo.hasNextPage, false);
    assert.equal(d.epochs.pageInfo.endCursor, d.epochs.edges.at(-1).cursor);
  });

  it("epochs: filter by topic, state, states, and combinations", async () => {
    const q = `query($w: EpochFilter) { epochs(where: $w, first: 500) { totalCount edges { node { topicId nonce state } } } }`;
    const cases: [Record<string, unknown>, (e: EpochRecord) => boolean][] = [
      [{ topicId: "2" }, (e) => e.topicId === 2n],
      [{ topicId: String(UINT64_MAX) }, (e) => e.topicId === UINT64_MAX],
      [{ state: "COMPLETED" }, inState(EpochState.COMPLETED)],
      [{ states: ["INIT", "CANCELLED"] }, inState(EpochState.INIT, EpochState.CANCELLED)],
      [{ state: "INIT", states: ["INIT", "CANCELLED"] }, inState(EpochState.INIT)],
      [{ state: "COMPLETED", states: ["INIT"] }, () => false],
      [{ states: [] }, () => false],
      [{ topicId: 3, states: ["WORKER_SUBMISSION", "REPUTER_SUBMISSION"] }, (e) => e.topicId === 3n && inState(1, 3)(e)],
      [{ topicId: "4" }, () => false],
    ];
    for (const [where, pred] of cases) {
      const d = await data(q, { w: where });
      assert.deepEqual(ids(d.epochs), expected(pred), JSON.stringify(where));
      assert.equal(d.epochs.totalCount, expected(pred).length, JSON.stringify(where));
    }
  });

  it("openWorkerWindows / openReputerWindows: globally and per topic, only open windows", async () => {
    const d = await data(`{
      w: openWorkerWindows { totalCount edges { node { topicId nonce state workerWindow { isOpen } reputerWindow { isOpen } } } }
      r: openReputerWindows { totalCount edges { node { topicId nonce state workerWindow { isOpen } reputerWindow { isOpen } } } }
      w2: openWorkerWindows(topicId: "2") { totalCount edges { node { topicId nonce } } }
      r2: openReputerWindows(topicId: 2) { totalCount edges { node { topicId nonce } } }
      none: openWorkerWindows(topicId: "4") { totalCount edges { node { nonce } } }
    }`);
    assert.deepEqual(ids(d.w), expected(inState(EpochState.WORKER_SUBMISSION)));
    assert.deepEqual(ids(d.r), expected(inState(EpochState.REPUTER_SUBMISSION)));
    assert.equal(d.w.totalCount, 4);
    for (const e of d.w.edges) assert.deepEqual([e.node.workerWindow.isOpen, e.node.reputerWindow.isOpen], [true, false]);
    for (const e of d.r.edges) assert.deepEqual([e.node.workerWindow.isOpen, e.node.reputerWindow.isOpen], [false, true]);
    assert.deepEqual(ids(d.w2), expected((e) => e.topicId === 2n && e.state === EpochState.WORKER_SUBMISSION));
    assert.deepEqual(ids(d.r2), expected((e) => e.topicId === 2n && e.state === EpochState.REPUTER_SUBMISSION));
    assert.deepEqual([d.w2.totalCount, d.r2.totalCount, d.none.totalCount, d.none.edges.length], [1, 1, 0, 0]);
  });

  it("topic.missedStarts: the periodic starts the topic skipped, as stored with its catch-up start", async () => {
    await db.prisma.$executeRaw`UPDATE topic SET missed_starts = 7 WHERE id = u64_encode(4)`;
    try {
      const d = await data(`{ t: topic(id: "4") { missedStarts } all: topics { edges { node { id missedStarts } } } }`);
      assert.deepEqual(d.t, { missedStarts: 7 });
      assert.deepEqual(d.all.edges.map((e: { node: { id: string; missedStarts: number } }) => [e.node.id, e.node.missedStarts]), [["1", 0], ["2", 0], ["3", 0], ["4", 7], ["18446744073709551615", 0]]);
    } finally {
      await db.prisma.$executeRaw`UPDATE topic SET missed_starts = 0 WHERE id = u64_encode(4)`;
    }
  });

  it("topic / topics: by id, ascending, active filter, totalCount, null when missing", async () => {
    const d = await data(`{
      t: topic(id: "18446744073709551615") { id epochLength groundTruthLag workerSubmissionWindow active lastNonce missedStarts }
      missing: topic(id: "77") { id }
      all: topics { totalCount edges { cursor node { id } } pageInfo { hasNextPage } }
      active: topics(active: true) { totalCount edges { node { id active } } }
      inactive: topics(active: false) { totalCount edges { node { id } } }
    }`);
    assert.deepEqual(d.t, {
      id: "18446744073709551615",
      epochLength: 60,
      groundTruthLag: 90,
      workerSubmissionWindow: 10,
      active: false,
      lastNonce: String(makeNonce(1, 6n)),
      missedStarts: 0,
    });
    assert.equal(d.missing, null);
    assert.deepEqual(d.all.edges.map((e: { node: { id: string } }) => e.node.id), ["1", "2", "3", "4", "18446744073709551615"]);
    assert.equal(d.all.totalCount, 5);
    assert.deepEqual(d.active.edges.map((e: { node: { id: string } }) => e.node.id), ["1", "3"]);
    assert.equal(d.active.totalCount, 2);
    assert.deepEqual(d.inactive.edges.map((e: { node: { id: string } }) => e.node.id), ["2", "4", "18446744073709551615"]);
    const page2 = await data(`query($a: String) { topics(first: 2, after: $a) { edges { node { id } } pageInfo { hasNextPage } } }`, { a: d.all.edges[1].cursor });
    assert.deepEqual(page2.topics.edges.map((e: { node: { id: string } }) => e.node.id), ["3", "4"]);
    assert.equal(page2.topics.pageInfo.hasNextPage, true);
  });

  it("Topic.epochs with filters, and Epoch.topic / Epoch.transitions / TransitionRecord.epoch", async () => {
    const d = await data(`{
      topics { edges { node { id
        epochs(first: 3) { totalCount edges { node { topicId nonce topic { id } } } pageInfo { hasNextPage } }
        open: epochs(where: { states: [WORKER_SUBMISSION, REPUTER_SUBMISSION] }) { totalCount edges { node { state } } }
        other: epochs(where: { topicId: "999" }) { totalCount edges { node { nonce } } }
      } } }
    }`);
    for (const { node } of d.topics.edges) {
      const id = BigInt(node.id);
      const mine = expected((e) => e.topicId === id);
      assert.deepEqual(ids(node.epochs), mine.slice(0, 3));
      assert.equal(node.epochs.totalCount, mine.length);
      assert.equal(node.epochs.pageInfo.hasNextPage, mine.length > 3);
      for (const e of node.epochs.edges) assert.equal(e.node.topic.id, node.id);
      // Newest first: the worker-window epoch started after the reputer-window one.
      assert.deepEqual(node.open.edges.map((e: { node: { state: string } }) => e.node.state), mine.length ? ["WORKER_SUBMISSION", "REPUTER_SUBMISSION"] : []);
      assert.equal(node.open.totalCount, mine.length ? 2 : 0);
      assert.deepEqual([node.other.totalCount, node.other.edges.length], [0, 0]);
    }
    const completed = seed.epochs.find((e) => e.topicId === 1n && e.state === EpochState.COMPLETED)!;
    const e = await data(`query($n: NonceV2!) { epoch(topicId: "1", nonce: $n) {
      transitions { edges { node { transition from to source dueAt reason epoch { nonce state } } } }
      firstTwo: transitions(first: 2) { edges { cursor } pageInfo { hasNextPage endCursor } }
    } }`, { n: String(completed.nonce) });
    assert.deepEqual(
      e.epoch.transitions.edges.map((x: { node: { transition: string; from: string; to: string } }) => `${x.node.from}-${x.node.transition}->${x.node.to}`),
      [
        "INIT-OPEN_WORKER_WINDOW->WORKER_SUBMISSION",
        "WORKER_SUBMISSION-CLOSE_WORKER_WINDOW->WAITING_GROUND_TRUTH",
        "WAITING_GROUND_TRUTH-OPEN_REPUTER_WINDOW->REPUTER_SUBMISSION",
        "REPUTER_SUBMISSION-CLOSE_REPUTER_WINDOW->PENDING_COMPLETION",
        "PENDING_COMPLETION-COMPLETE->COMPLETED",
      ],
    );
    const first = e.epoch.transitions.edges[0].node;
    assert.deepEqual([first.source, typeof first.dueAt, first.epoch.state], ["SCHEDULER", "string", "COMPLETED"]);
    assert.equal(e.epoch.transitions.edges[1].node.dueAt, null);
    assert.equal(e.epoch.firstTwo.pageInfo.hasNextPage, true);
    const rest = await data(`query($n: NonceV2!, $a: String) { epoch(topicId: "1", nonce: $n) { transitions(after: $a) { edges { node { transition } } } } }`, {
      n: String(completed.nonce),
      a: e.epoch.firstTwo.pageInfo.endCursor,
    });
    assert.deepEqual(rest.epoch.transitions.edges.map((x: { node: { transition: string } }) => x.node.transition), ["OPEN_REPUTER_WINDOW", "CLOSE_REPUTER_WINDOW", "COMPLETE"]);
  });

  it("transitions: the log oldest first, globally, per topic and per epoch", async () => {
    const rows = await db.prisma.$queryRaw<{ topic: string; nonce: string }[]>`
      SELECT u64_decode(topic_id)::text AS topic, u64_decode(nonce)::text AS nonce FROM transition_record ORDER BY txid, id`;
    const q = `query($t: Uint64, $n: NonceV2) { transitions(topicId: $t, nonce: $n, first: 500) { edges { cursor node { cursor topicId nonce transition at } } pageInfo { hasNextPage } } }`;
    const all = await data(q);
    const seen = all.transitions.edges.map((e: { node: { topicId: string; nonce: string } }) => `${e.node.topicId}/${e.node.nonce}`);
    assert.deepEqual(seen, rows.map((r) => `${r.topic}/${r.nonce}`));
    assert.equal(seen.length, 4 * 17);
    for (const e of all.transitions.edges) assert.equal(e.cursor, e.node.cursor);
    const ats = all.transitions.edges.map((e: { node: { at: string } }) => Date.parse(e.node.at));
    assert.deepEqual(ats, [...ats].sort((a, b) => a - b));

    const perTopic = await data(q, { t: "3" });
    assert.deepEqual(
      perTopic.transitions.edges.map((e: { node: { topicId: string; nonce: string } }) => `${e.node.topicId}/${e.node.nonce}`),
      seen.filter((s: string) => s.startsWith("3/")),
    );
    const cancelled = seed.epochs.find((e) => e.topicId === 3n && e.state === EpochState.CANCELLED)!;
    const perEpoch = await data(q, { t: "3", n: String(cancelled.nonce) });
    assert.deepEqual(perEpoch.transitions.edges.map((e: { node: { transition: string } }) => e.node.transition), ["OPEN_WORKER_WINDOW", "CANCEL"]);
  });

  it("epochStateCounts: every state, zeros included, globally and per topic", async () => {
    const d = await data(`{ all: epochStateCounts { state count } one: epochStateCounts(topicId: "2") { state count } none: epochStateCounts(topicId: "4") { state count } }`);
    const names = ALL_STATES.map((s) => EpochState[s]);
    assert.deepEqual(d.all, names.map((state) => ({ state, count: 4 })));
    assert.deepEqual(d.one, names.map((state) => ({ state, count: 1 })));
    assert.deepEqual(d.none, names.map((state) => ({ state, count: 0 })));
  });

  it("serves GET /graphql for queries (with Apollo's CSRF preflight header) and /healthz", async () => {
    const q = encodeURIComponent(`{ epochStateCounts(topicId: "1") { state count } }`);
    const ok = await fetch(`${api.url}/graphql?query=${q}`, { headers: { "apollo-require-preflight": "true" } });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { data: { epochStateCounts: unknown[] } }).data.epochStateCounts.length, 7);
    const blocked = await fetch(`${api.url}/graphql?query=${q}`);
    assert.equal(blocked.status, 400);
    const health = await fetch(`${api.url}/healthz`);
    assert.deepEqual([health.status, await health.json()], [200, { status: "ok" }]);
  });
});
