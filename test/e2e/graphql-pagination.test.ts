/** Cursor pagination over HTTP: every row once, no gaps or duplicates, also while rows are added. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { EpochState, EpochTransition, TransitionSource } from "../../src/domain/index.js";
import { transitionCursor } from "../../src/graphql/cursors.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { untilLogSettled } from "../helpers/settled-log.js";
import { T0, epochId, newestFirst, seedEpochs, type Seeded } from "../helpers/seed-epochs.js";
import { until } from "../helpers/until.js";

interface Conn<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe("GraphQL pagination (e2e)", () => {
  let db: TestDatabase;
  let api: TestApi;
  let seed: Seeded;
  let store: LifecycleStore;
  before(async () => {
    db = await createTestDatabase({ poolSize: 20 });
    seed = await seedEpochs(db.prisma);
    store = new LifecycleStore(db.prisma);
    api = await startTestApi({ db });
  });
  after(async () => {
    await api?.stop();
    await db?.close();
  });

  /** Follows endCursor until hasNextPage is false; `pick` selects the connection from `data`. */
  async function pageAll<N>(query: string, pick: (data: any) => Conn<N>, vars: Record<string, unknown> = {}, between?: () => Promise<void>): Promise<N[]> {
    const out: N[] = [];
    let afterCursor: string | null = null;
    for (let guard = 0; guard < 10_000; guard++) {
      const res = await api.gql(query, { ...vars, after: afterCursor });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      const conn = pick(res.body.data);
      out.push(...conn.edges.map((e) => e.node));
      if (conn.edges.length) assert.equal(conn.pageInfo.endCursor, conn.edges.at(-1)!.cursor);
      if (!conn.pageInfo.hasNextPage) return out;
      afterCursor = conn.pageInfo.endCursor;
      await between?.();
    }
    throw new Error("pagination did not end");
  }
  /** Between two pages, waits until the concurrent writer has committed again. */
  const afterAWrite = (written: () => number) => async () => {
    const n = written();
    await until("a concurrent write between two pages", () => written() > n, 10_000);
  };
  type EpochNode = { topicId: string; nonce: string };
  const EPOCHS = `query($after: String, $first: Int, $w: EpochFilter) { epochs(where: $w, first: $first, after: $after) { edges { cursor node { topicId nonce } } pageInfo { hasNextPage endCursor } } }`;

  it("pages epochs, filtered epochs and open windows with every page size", async () => {
    const all = [...seed.epochs].sort(newestFirst).map(epochId);
    for (const first of [1, 2, 5, 7, 27, 28, 50]) {
      const seen = await pageAll<EpochNode>(EPOCHS, (d) => d.epochs, { first });
      assert.deepEqual(seen.map(epochId), all, `first ${first}`);
    }
    const open = await pageAll<EpochNode>(
      `query($after: String) { openWorkerWindows(first: 1, after: $after) { edges { cursor node { topicId nonce } } pageInfo { hasNextPage endCursor } } }`,
      (d) => d.openWorkerWindows,
    );
    assert.deepEqual(open.map(epochId), seed.epochs.filter((e) => e.state === EpochState.WORKER_SUBMISSION).sort(newestFirst).map(epochId));
    const filtered = await pageAll<EpochNode>(EPOCHS, (d) => d.epochs, { first: 2, w: { topicId: "2", states: ["INIT", "COMPLETED", "CANCELLED"] } });
    assert.equal(filtered.length, 3);
    const nested = await pageAll<EpochNode>(
      `query($after: String) { topic(id: "3") { epochs(first: 3, after: $after) { edges { cursor node { topicId nonce } } pageInfo { hasNextPage endCursor } } } }`,
      (d) => d.topic.epochs,
    );
    assert.deepEqual(nested.map(epochId), seed.epochs.filter((e) => e.topicId === 3n).sort(newestFirst).map(epochId));
  });

  it("pages topics and the transition log", async () => {
    const topics = await pageAll<{ id: string }>(
      `query($after: String) { topics(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
      (d) => d.topics,
    );
    assert.deepEqual(topics.map((t) => t.id), ["1", "2", "3", "4", "18446744073709551615"]);
    const whole = (await api.gql(`{ transitions(first: 500) { edges { node { cursor } } } }`)).body.data.transitions.edges.map((e: { node: { cursor: string } }) => e.node.cursor);
    const paged = await pageAll<{ cursor: string }>(
      `query($after: String) { transitions(first: 4, after: $after) { edges { cursor node { cursor } } pageInfo { hasNextPage endCursor } } }`,
      (d) => d.transitions,
    );
    assert.deepEqual(paged.map((n) => n.cursor), whole);
  });

  it("caps `first` at 500 and orders ties on start time by topic id, then nonce", async () => {
    await db.prisma.$executeRawUnsafe(`INSERT INTO topic (id, epoch_length, ground_truth_lag, worker_submission_window) VALUES (u64_encode(10), 60, 90, 10), (u64_encode(11), 60, 90, 10)`);
    // 2 × 260 epochs all starting at the same instant: only the tie-breakers order them.
    await db.prisma.$executeRawUnsafe(`
      INSERT INTO epoch (topic_id, nonce, state, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at)
      SELECT u64_encode(t), u64_encode(n), 5, ts, ts + interval '10 s', ts + interval '90 s', ts + interval '180 s'
      FROM generate_series(10, 11) t, generate_series(1, 260) n, (SELECT timestamptz '2020-01-01' AS ts) x`);
    const capped = await api.gql(`{ epochs(first: 100000, where: { states: [COMPLETED] }) { totalCount edges { node { nonce } } pageInfo { hasNextPage } } }`);
    assert.equal(capped.body.data.epochs.edges.length, 500);
    assert.equal(capped.body.data.epochs.pageInfo.hasNextPage, true);
    assert.equal(capped.body.data.epochs.totalCount, 520 + 4);
    const tied = await pageAll<EpochNode>(EPOCHS, (d) => d.epochs, { first: 37, w: { states: ["COMPLETED"] } });
    const expected = [
      ...seed.epochs.filter((e) => e.state === EpochState.COMPLETED).sort(newestFirst).map(epochId),
      ...[11, 10].flatMap((t) => Array.from({ length: 260 }, (_, i) => `${t}/${260 - i}`)),
    ];
    assert.deepEqual(tied.map(epochId), expected);
    const zero = await api.gql(`{ epochs(first: 0) { edges { cursor } pageInfo { hasNextPage endCursor } } }`);
    assert.deepEqual(zero.body.data.epochs, { edges: [], pageInfo: { hasNextPage: true, endCursor: null } });
  });

  it("visits every epoch once while new epochs are being started", async () => {
    const existing = (await pageAll<EpochNode>(EPOCHS, (d) => d.epochs, { first: 500 })).map(epochId);
    let stop = false;
    let started = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await store.startEpoch([1n, 2n, 3n][i % 3]!, Date.now() + i, TransitionSource.SCHEDULER);
        started++;
      }
    })();
    try {
      const seen = await pageAll<EpochNode>(EPOCHS, (d) => d.epochs, { first: 9 }, afterAWrite(() => started));
      const ids = seen.map(epochId);
      assert.equal(new Set(ids).size, ids.length, "no duplicates");
      // The first page may include epochs started since `existing` was read (they are the newest); every row
      // that existed is visited exactly once, in order.
      const known = new Set(existing);
      assert.deepEqual(ids.filter((id) => known.has(id)), existing, "every existing row, once, in order");
      assert.ok(ids.slice(0, ids.length - existing.length).every((id) => !known.has(id)), "new rows only ahead of the old ones");
    } finally {
      stop = true;
      await writer;
    }
  });

  it("visits every log record once while transitions are committed, even out of txid order", async () => {
    const LOG = `query($after: String, $first: Int) { transitions(first: $first, after: $after) { edges { cursor node { cursor } } pageInfo { hasNextPage endCursor } } }`;
    await untilLogSettled(db.prisma); // the earlier tests' starts, all listed before `initial` is read
    const initial = await pageAll<{ cursor: string }>(LOG, (d) => d.transitions, { first: 500 });

    // A transaction takes its txid, then commits only after a later one did.
    const early = await store.startEpoch(1n, T0 + 86_400_000, TransitionSource.API);
    const late = await store.startEpoch(2n, T0 + 86_400_000, TransitionSource.API);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const slow = store.transaction(async (tx) => {
      await store.applyTransitionIn(tx, { ...early.epoch, transition: EpochTransition.CLOSE_WORKER_WINDOW, source: TransitionSource.API, dueAt: null });
      holding();
      await gate;
    });
    await held;
    await store.applyTransition({ ...late.epoch, transition: EpochTransition.CLOSE_WORKER_WINDOW, source: TransitionSource.API, dueAt: null });

    // While the older transaction is open, the newer record is held back rather than shown ahead of it.
    const endCursor = initial.at(-1)!.cursor;
    const during = await api.gql(LOG, { first: 500, after: endCursor });
    const shown = during.body.data.transitions.edges.length;
    release();
    await slow;
    let rest: { cursor: string }[] = [];
    await until("the four transitions after the old end", async () => {
      rest = (await api.gql(LOG, { first: 500, after: endCursor })).body.data.transitions.edges.map((e: { node: { cursor: string } }) => e.node);
      return rest.length >= 4;
    }, 10_000);
    // early start, late start, early close, late close: all four after the old end, in (txid, id) order.
    assert.equal(rest.length, 4);
    assert.ok(shown <= 2, `the late close must not be visible before the early close commits (saw ${shown})`);
    const positions = rest.map((n) => transitionCursor.decode(n.cursor));
    for (let i = 1; i < positions.length; i++) {
      const [a, b] = [positions[i - 1]!, positions[i]!];
      assert.ok(a.txid < b.txid || (a.txid === b.txid && a.id < b.id), "ascending (txid, id)");
    }

    // Concurrent writers while a reader pages with a small page size.
    let stop = false;
    let started = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await store.startEpoch([1n, 2n, 3n][i % 3]!, Date.now() + i, TransitionSource.SCHEDULER);
        started++;
      }
    })();
    let seen: { cursor: string }[];
    try {
      seen = await pageAll<{ cursor: string }>(LOG, (d) => d.transitions, { first: 6 }, afterAWrite(() => started));
    } finally {
      stop = true;
      await writer;
    }
    const cursors = seen.map((n) => n.cursor);
    assert.equal(new Set(cursors).size, cursors.length, "no duplicates");
    assert.deepEqual(cursors.slice(0, initial.length + 4), [...initial.map((n) => n.cursor), ...rest.map((n) => n.cursor)], "no gaps");
    const after = await pageAll<{ cursor: string }>(LOG, (d) => d.transitions, { first: 500 });
    const all = after.map((n) => n.cursor);
    assert.deepEqual(cursors, all.slice(0, cursors.length), "what was paged is a prefix of the settled log");
  });

  describe("orderBy (issue 15)", () => {
    type Full = { topicId: string; nonce: string; state: string; workerWindow: { openAt: string; closeAt: string }; reputerWindow: { closeAt: string } };
    const NODE = "topicId nonce state workerWindow { openAt closeAt } reputerWindow { closeAt }";
    const conn = `edges { cursor node { ${NODE} } } pageInfo { hasNextPage endCursor }`;
    const cmp = (a: bigint | number, b: bigint | number) => (a < b ? -1 : a > b ? 1 : 0);
    const instant = (order: string, closing: "worker" | "reputer", n: Full) =>
      Date.parse(order !== "CLOSING_SOONEST" ? n.workerWindow.openAt : closing === "worker" ? n.workerWindow.closeAt : n.reputerWindow.closeAt);
    /** The documented order, written out: instant, topicId, nonce, all in one direction. */
    const sorted = (rows: Full[], order: string, closing: "worker" | "reputer") =>
      [...rows].sort((a, b) => (order === "NEWEST_FIRST" ? -1 : 1) * (cmp(instant(order, closing, a), instant(order, closing, b)) || cmp(BigInt(a.topicId), BigInt(b.topicId)) || cmp(BigInt(a.nonce), BigInt(b.nonce))));
    async function everything(): Promise<Full[]> {
      return pageAll<Full>(`query($after: String) { epochs(first: 500, after: $after) { ${conn} } }`, (d) => d.epochs);
    }

    it("pages every order of openWorkerWindows, openReputerWindows and epochs without gaps or duplicates", async () => {
      // Open windows with several per topic and different closes across topics.
      for (const [t, at] of [[1n, T0 + 30 * 60_000], [2n, T0 + 30 * 60_000], [3n, T0 + 31 * 60_000]] as const) {
        for (let k = 0; k < 3; k++) {
          const { epoch } = await store.startEpoch(t, at + k * 60_000, TransitionSource.SCHEDULER);
          if (k > 0) {
            const closed = await store.applyTransition({ ...epoch, transition: EpochTransition.CLOSE_WORKER_WINDOW, source: TransitionSource.API, dueAt: null });
            await store.applyTransition({ ...closed.epoch, transition: EpochTransition.OPEN_REPUTER_WINDOW, source: TransitionSource.API, dueAt: null });
          }
        }
      }
      const all = await everything();
      const cases: { field: string; args: string; vars?: Record<string, unknown>; closing: "worker" | "reputer"; keep: (n: Full) => boolean }[] = [
        { field: "openWorkerWindows", args: "", closing: "worker", keep: (n) => n.state === "WORKER_SUBMISSION" },
        { field: "openReputerWindows", args: "", closing: "reputer", keep: (n) => n.state === "REPUTER_SUBMISSION" },
        { field: "openReputerWindows", args: 'topicId: "2",', closing: "reputer", keep: (n) => n.state === "REPUTER_SUBMISSION" && n.topicId === "2" },
        { field: "epochs", args: "", closing: "reputer", keep: () => true },
        { field: "epochs", args: "where: { state: WORKER_SUBMISSION },", closing: "worker", keep: (n) => n.state === "WORKER_SUBMISSION" },
        {
          field: "epochs",
          args: 'where: { topicIds: ["3", "18446744073709551615", "1"], states: [REPUTER_SUBMISSION, COMPLETED, WORKER_SUBMISSION] },',
          closing: "reputer",
          keep: (n) => ["3", "18446744073709551615", "1"].includes(n.topicId) && ["REPUTER_SUBMISSION", "COMPLETED", "WORKER_SUBMISSION"].includes(n.state),
        },
      ];
      for (const c of cases) {
        for (const order of ["NEWEST_FIRST", "OLDEST_FIRST", "CLOSING_SOONEST"]) {
          const expected = sorted(all.filter(c.keep), order, c.closing).map(epochId);
          assert.ok(expected.length > 1, `${c.field} ${c.args} has rows`);
          // Small pages where the list is short; the long ones (the ties test's 520 epochs) in bigger steps.
          for (const first of expected.length < 60 ? [1, 3, 7] : [37, 200]) {
            const q = `query($after: String) { ${c.field}(${c.args} orderBy: ${order}, first: ${first}, after: $after) { ${conn} } }`;
            const seen = await pageAll<Full>(q, (d) => d[c.field]);
            assert.deepEqual(seen.map(epochId), expected, `${c.field}(${c.args} orderBy: ${order}, first: ${first})`);
          }
        }
      }
      // The default is still newest first.
      const byDefault = await pageAll<Full>(`query($after: String) { openReputerWindows(first: 2, after: $after) { ${conn} } }`, (d) => d.openReputerWindows);
      assert.deepEqual(byDefault.map(epochId), sorted(all.filter((n) => n.state === "REPUTER_SUBMISSION"), "NEWEST_FIRST", "reputer").map(epochId));
    });

    it("refuses a cursor of another order (BAD_USER_INPUT naming `after`)", async () => {
      const newest = await api.gql(`{ openReputerWindows(first: 1) { pageInfo { endCursor } } }`);
      const cursor = newest.body.data.openReputerWindows.pageInfo.endCursor;
      for (const order of ["OLDEST_FIRST", "CLOSING_SOONEST"]) {
        const res = await api.gql(`query($c: String) { openReputerWindows(first: 1, after: $c, orderBy: ${order}) { edges { cursor } } }`, { c: cursor });
        assert.equal(res.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(res.body));
        assert.equal(res.body.errors[0].extensions.argument, "after");
      }
    });

    it("OLDEST_FIRST visits every existing epoch once, in order, while new epochs are being started (they come last)", async () => {
      const q = `query($after: String, $first: Int) { epochs(first: $first, after: $after, orderBy: OLDEST_FIRST) { ${conn} } }`;
      const existing = (await pageAll<Full>(q, (d) => d.epochs, { first: 500 })).map(epochId);
      let stop = false;
      let started = 0;
      const writer = (async () => {
        for (let i = 0; !stop; i++) {
          await store.startEpoch([1n, 2n, 3n][i % 3]!, Date.now() + 86_400_000 + i, TransitionSource.SCHEDULER);
          started++;
        }
      })();
      let ids: string[];
      try {
        ids = (await pageAll<Full>(q, (d) => d.epochs, { first: 40 }, afterAWrite(() => started))).map(epochId);
      } finally {
        stop = true;
        await writer;
      }
      assert.equal(new Set(ids).size, ids.length, "no duplicates");
      assert.deepEqual(ids.slice(0, existing.length), existing, "every existing row, once, in order, first");
    });
  });
});
