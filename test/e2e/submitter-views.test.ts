/**
 * What submitters and dashboards read (issue 15), against the real API process: overlapping reputer
 * windows flagged in queries and in subscription payloads, and the dashboard filters of `epochs`
 * (topicIds, time ranges) with their limits.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { EpochTransition, TransitionSource, type EpochState } from "../../src/domain/index.js";
import type { EpochRecord } from "../../src/app/records.js";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { samples } from "../helpers/metrics-text.js";
import { until } from "../helpers/until.js";
import { collect, wsClient } from "../helpers/ws-client.js";

// groundTruthLag not a multiple of epochLength: reputer windows of consecutive epochs overlap.
const OVERLAPPING = {
  epochLength: 60,
  groundTruthLag: 90,
  workerSubmissionWindow: 10,
};
const T0 = Date.UTC(2026, 11, 1, 12);
const { CLOSE_WORKER_WINDOW, OPEN_REPUTER_WINDOW } = EpochTransition;

describe("submitter views (e2e, API process)", () => {
  let db: TestDatabase;
  let store: LifecycleStore;
  let api: ApiProcess;
  before(async () => {
    db = await createTestDatabase();
    store = new LifecycleStore(db.prisma);
  });
  after(async () => {
    await db?.close();
  });

  // spawnApi ties the process to the calling test: every part below runs as its subtest.
  it("serves submitters and dashboards", async (t) => {
    api = await spawnApi(db.url);
    try {
      await t.test("reputer overlap", overlap);
      await t.test("filters", filters);
      await t.test("filter limits", limits);
    } finally {
      await api.stop();
    }
  });

  const step = async (e: EpochRecord, transition: EpochTransition) =>
    (
      await store.applyTransition({
        ...e,
        transition,
        source: TransitionSource.API,
        dueAt: null,
      })
    ).epoch;
  const toReputer = async (e: EpochRecord) => step(await step(e, CLOSE_WORKER_WINDOW), OPEN_REPUTER_WINDOW);

  /** A reputer window overlapping an older open one of its topic is flagged in queries and in windowChanged payloads. */
  async function overlap(): Promise<void> {
    const client = wsClient(api.url);
    const events = collect(
      client,
      `subscription { windowChanged(topicId: "21", kind: REPUTER) { opened epoch { nonce reputerWindowOverlapsOlder } } }`,
      {},
      (d) =>
        d.windowChanged as {
          opened: boolean;
          epoch: { nonce: string; reputerWindowOverlapsOlder: boolean };
        },
    );
    try {
      // The subscription starts at the live end: wait until the instance has it live before the first transition.
      await until("the subscription is live", async () => samples(await (await fetch(`${api.url}/metrics`)).text(), "epoch_windows_live_subscriptions").get("") === 1, 10_000);
      await store.topics.create(db.prisma, { id: 21n, ...OVERLAPPING });
      await store.topics.create(db.prisma, { id: 22n, ...OVERLAPPING });
      const a = (await store.startEpoch(21n, T0, TransitionSource.SCHEDULER)).epoch;
      const b = (await store.startEpoch(21n, T0 + 60_000, TransitionSource.SCHEDULER)).epoch;
      const c = (await store.startEpoch(22n, T0 + 30_000, TransitionSource.SCHEDULER)).epoch;
      const w = (await store.startEpoch(21n, T0 + 120_000, TransitionSource.SCHEDULER)).epoch; // worker window only
      await toReputer(a);
      await toReputer(b);
      await toReputer(c);

      const d = await api.gql(`{ openReputerWindows(orderBy: OLDEST_FIRST) { edges { node { topicId nonce reputerWindowOverlapsOlder } } }
        openWorkerWindows { edges { node { nonce reputerWindowOverlapsOlder } } } }`);
      assert.deepEqual(
        d.openReputerWindows.edges.map((e: { node: unknown }) => e.node),
        [
          {
            topicId: "21",
            nonce: String(a.nonce),
            reputerWindowOverlapsOlder: false,
          },
          {
            topicId: "22",
            nonce: String(c.nonce),
            reputerWindowOverlapsOlder: false,
          },
          {
            topicId: "21",
            nonce: String(b.nonce),
            reputerWindowOverlapsOlder: true,
          },
        ],
      );
      assert.deepEqual(
        d.openWorkerWindows.edges.map((e: { node: unknown }) => e.node),
        [{ nonce: String(w.nonce), reputerWindowOverlapsOlder: false }],
      );

      const seen = await events.waitFor(2, 10_000);
      assert.deepEqual(seen, [
        {
          opened: true,
          epoch: { nonce: String(a.nonce), reputerWindowOverlapsOlder: false },
        },
        {
          opened: true,
          epoch: { nonce: String(b.nonce), reputerWindowOverlapsOlder: true },
        },
      ]);
    } finally {
      events.dispose();
      await client.dispose();
    }
  }

  const ids = (d: { epochs: { edges: { node: { topicId: string; nonce: string } }[] } }) => d.epochs.edges.map((e) => `${e.node.topicId}/${e.node.nonce}`);
  const q = `query($w: EpochFilter, $o: EpochOrder) { epochs(where: $w, orderBy: $o, first: 500) { totalCount edges { node { topicId nonce } } } }`;
  const rows: EpochRecord[] = [];
  const expect = (keep: (e: EpochRecord) => boolean) =>
    rows
      .filter(keep)
      .sort((x, y) => y.windows.workerOpenAt - x.windows.workerOpenAt)
      .map((e) => `${e.topicId}/${e.nonce}`);

  /** topicIds and time ranges (half-open) select what they say, with totalCount. */
  async function filters(): Promise<void> {
    for (const id of [31n, 32n, 33n]) await store.topics.create(db.prisma, { id, ...OVERLAPPING });
    for (let i = 0; i < 5; i++)
      for (const id of [31n, 32n, 33n]) rows.push((await store.startEpoch(id, T0 + 86_400_000 + i * 60_000 + Number(id), TransitionSource.SCHEDULER)).epoch);
    const from = T0 + 86_400_000 + 60_000;
    const to = T0 + 86_400_000 + 240_000;
    const cases: [Record<string, unknown>, (e: EpochRecord) => boolean][] = [
      [{ topicIds: ["31", "33"] }, (e) => e.topicId !== 32n],
      [{ topicIds: [] }, () => false],
      [{ topicIds: ["31", "33"], topicId: "33" }, (e) => e.topicId === 33n],
      [
        {
          topicIds: ["31", "32", "33"],
          workerOpensAfter: new Date(from).toISOString(),
          workerOpensBefore: new Date(to).toISOString(),
        },
        (e) => e.windows.workerOpenAt >= from && e.windows.workerOpenAt < to,
      ],
      [
        {
          topicIds: ["32"],
          reputerClosesBefore: new Date(to + 180_000).toISOString(),
        },
        (e) => e.topicId === 32n && e.windows.reputerCloseAt < to + 180_000,
      ],
      [
        {
          topicIds: ["31", "32", "33"],
          reputerClosesAfter: new Date(to).toISOString(),
          states: ["WORKER_SUBMISSION" as unknown as EpochState],
        },
        (e) => e.windows.reputerCloseAt >= to,
      ],
    ];
    for (const [w, keep] of cases) {
      const want = expect(keep);
      const d = await api.gql(q, { w });
      assert.deepEqual(ids(d), want, JSON.stringify(w));
      assert.equal(d.epochs.totalCount, want.length, JSON.stringify(w));
    }
    // Topic.epochs takes the same filter (its own topic only).
    const nested = await api.gql(`query($w: EpochFilter) { topic(id: "32") { epochs(where: $w) { totalCount edges { node { topicId nonce } } } } }`, {
      w: {
        workerOpensAfter: new Date(from).toISOString(),
        topicIds: ["32", "31"],
      },
    });
    assert.deepEqual(
      ids({ epochs: nested.topic.epochs }),
      expect((e) => e.topicId === 32n && e.windows.workerOpenAt >= from),
    );
  }

  /** The worst shapes get BAD_USER_INPUT naming the field: too many topicIds, empty or reversed ranges. */
  async function limits(): Promise<void> {
    const topicIds = Array.from({ length: 51 }, (_, i) => String(i + 1));
    const bad: [Record<string, unknown>, string][] = [
      [{ topicIds }, "where.topicIds"],
      [
        {
          workerOpensAfter: "2026-12-01T00:00:00Z",
          workerOpensBefore: "2026-12-01T00:00:00Z",
        },
        "where.workerOpensBefore",
      ],
      [
        {
          reputerClosesAfter: "2026-12-02T00:00:00Z",
          reputerClosesBefore: "2026-12-01T00:00:00Z",
        },
        "where.reputerClosesBefore",
      ],
    ];
    for (const [w, field] of bad) {
      const res = await fetch(`${api.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: q, variables: { w } }),
      });
      const body = (await res.json()) as any;
      assert.equal(res.status, 200);
      assert.equal(body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(body));
      assert.equal(body.errors[0].extensions.argument, field);
    }
    // At the limit, and at the ends of the DateTime range (clamped, not a database error).
    const all = (await api.gql(`{ epochs { totalCount } }`)).epochs.totalCount;
    // Topics 21, 22 and 31–33 are all among 1–50.
    assert.equal((await api.gql(q, { w: { topicIds: topicIds.slice(0, 50) } })).epochs.totalCount, all);
    const ends = await api.gql(q, {
      w: {
        workerOpensAfter: "0000-01-01T00:00:00+05:00",
        reputerClosesBefore: "9999-12-31T23:59:59-05:00",
      },
      o: "CLOSING_SOONEST",
    });
    assert.equal(ends.epochs.totalCount, all);
    assert.equal(ends.epochs.edges.length, all);
  }
});
