import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ConflictError,
  EpochState,
  EpochTransition,
  IllegalTransitionError,
  NotFoundError,
  PAYLOAD_MAX,
  TransitionSource,
  UINT64_MAX,
  computeWindows,
  makeNonce,
} from "../../src/domain/index.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const settings = { epochLength: 10, groundTruthLag: 10, workerSubmissionWindow: 5 };
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe("repository layer", () => {
  let db: TestDatabase;
  let store: LifecycleStore;
  before(async () => {
    db = await createTestDatabase({ poolSize: 60 });
    store = new LifecycleStore(db.prisma);
  });
  after(() => db.close());

  it("stores and sorts uint64 extremes exactly (0, 2^56−1, 2^63−1, 2^63, 2^64−1)", async () => {
    const extremes = [0n, (1n << 56n) - 1n, (1n << 63n) - 1n, 1n << 63n, UINT64_MAX];
    for (const id of [...extremes].reverse()) {
      const t = await store.topics.create(db.prisma, { id, ...settings });
      assert.equal(t?.id, id);
    }
    for (const id of extremes) assert.equal((await store.topics.get(db.prisma, id))?.id, id);
    const listed = await store.topics.list(db.prisma, { limit: 10 });
    assert.deepEqual(listed.map((t) => t.id), extremes);
    // Keyset paging across the signed boundary.
    const after = await store.topics.list(db.prisma, { afterId: (1n << 63n) - 1n, limit: 10 });
    assert.deepEqual(after.map((t) => t.id), [1n << 63n, UINT64_MAX]);

    // Nonces at the same extremes, on the largest topic id.
    for (const nonce of extremes) {
      await store.epochs.insert(db.prisma, { topicId: UINT64_MAX, nonce, state: EpochState.INIT, windows: computeWindows(settings, T0) });
    }
    const epochs = await store.epochs.list(db.prisma, { topicId: UINT64_MAX }, { limit: 10 });
    assert.deepEqual(epochs.map((e) => e.nonce), [...extremes].reverse());
    const got = await store.epochs.get(db.prisma, { topicId: UINT64_MAX, nonce: UINT64_MAX });
    assert.equal(got?.nonce, UINT64_MAX);
    // Raw SQL sees the decoded value through the helper function.
    const raw = await db.prisma.$queryRaw<{ v: string }[]>`SELECT u64_decode(max(nonce))::text AS v FROM epoch`;
    assert.equal(raw[0]?.v, "18446744073709551615");
  });

  it("allocates nonces from the persisted counter: v1/1, v1/2, …, never reused", async () => {
    const topic = await store.topics.create(db.prisma, { ...settings });
    assert.ok(topic);
    const a = await store.startEpoch(topic.id, T0, TransitionSource.API);
    const b = await store.startEpoch(topic.id, T0 + 10_000, TransitionSource.API);
    assert.equal(a.epoch.nonce, makeNonce(1, 1n));
    assert.equal(b.epoch.nonce, makeNonce(1, 2n));
    assert.equal(a.epoch.state, EpochState.WORKER_SUBMISSION);
    assert.equal((await store.topics.get(db.prisma, topic.id))?.lastNonce, b.epoch.nonce);
    const log = await store.log.list(db.prisma, { topicId: topic.id, nonce: a.epoch.nonce }, { limit: 10 });
    assert.deepEqual(log.map((r) => [r.transition, r.from, r.to]), [[EpochTransition.OPEN_WORKER_WINDOW, EpochState.INIT, EpochState.WORKER_SUBMISSION]]);
  });

  it("refuses to allocate past the payload range", async () => {
    const topic = await store.topics.create(db.prisma, { ...settings });
    assert.ok(topic);
    await db.prisma.$executeRaw`UPDATE topic SET last_nonce = u64_encode(${makeNonce(1, PAYLOAD_MAX).toString()}::numeric) WHERE id = u64_encode(${topic.id.toString()}::numeric)`;
    await assert.rejects(store.startEpoch(topic.id, T0, TransitionSource.API), /exhausted/);
    assert.equal(await store.epochs.count(db.prisma, { topicId: topic.id }), 0);
  });

  it("applies a transition atomically and rejects illegal ones without writing", async () => {
    const topic = await store.topics.create(db.prisma, { ...settings });
    const { epoch } = await store.startEpoch(topic!.id, T0, TransitionSource.API);
    await assert.rejects(store.applyTransition({ ...epoch, transition: EpochTransition.COMPLETE, source: TransitionSource.API, dueAt: null }), IllegalTransitionError);
    await assert.rejects(store.applyTransition({ topicId: 999_999n, nonce: 1n, transition: EpochTransition.CANCEL, source: TransitionSource.API, dueAt: null }), NotFoundError);
    const r = await store.applyTransition({ ...epoch, transition: EpochTransition.CLOSE_WORKER_WINDOW, source: TransitionSource.SCHEDULER, dueAt: new Date(T0 + 5000) });
    assert.equal(r.epoch.state, EpochState.WAITING_GROUND_TRUTH);
    assert.equal(r.epoch.version, epoch.version + 1);
    assert.equal(r.record.dueAt?.getTime(), T0 + 5000);
    await assert.rejects(store.applyTransition({ ...epoch, transition: EpochTransition.CANCEL, source: TransitionSource.API, dueAt: null, expectedVersion: epoch.version }), ConflictError);
    // A follow-up that fails rolls the transition back.
    await assert.rejects(
      store.applyTransition({ ...epoch, transition: EpochTransition.OPEN_REPUTER_WINDOW, source: TransitionSource.API, dueAt: null }, async () => {
        throw new Error("scheduling failed");
      }),
      /scheduling failed/,
    );
    assert.equal((await store.epochs.get(db.prisma, epoch))?.state, EpochState.WAITING_GROUND_TRUTH);
    assert.equal((await store.log.list(db.prisma, { topicId: epoch.topicId, nonce: epoch.nonce }, { limit: 10 })).length, 2);
  });

  it("lets exactly one of 50 concurrent identical transitions win", async () => {
    const topic = await store.topics.create(db.prisma, { ...settings });
    const { epoch } = await store.startEpoch(topic!.id, T0, TransitionSource.API);
    const attempts = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        store.applyTransition({ ...epoch, transition: EpochTransition.CLOSE_WORKER_WINDOW, source: TransitionSource.API, dueAt: null }),
      ),
    );
    const ok = attempts.filter((a) => a.status === "fulfilled");
    const failed = attempts.filter((a): a is PromiseRejectedResult => a.status === "rejected");
    assert.equal(ok.length, 1);
    for (const f of failed) assert.ok(f.reason instanceof ConflictError || f.reason instanceof IllegalTransitionError, String(f.reason));
    const log = await store.log.list(db.prisma, { topicId: epoch.topicId, nonce: epoch.nonce }, { limit: 100 });
    assert.equal(log.filter((r) => r.transition === EpochTransition.CLOSE_WORKER_WINDOW).length, 1);
    assert.equal((await store.epochs.get(db.prisma, epoch))?.version, epoch.version + 1);
  });

  it("pages by state with keyset cursors, no gaps or duplicates", async () => {
    const topic = await store.topics.create(db.prisma, { ...settings });
    for (let i = 0; i < 25; i++) await store.startEpoch(topic!.id, T0 + (i % 5) * 1000, TransitionSource.API);
    const seen: string[] = [];
    let after;
    for (;;) {
      const page = await store.epochs.list(db.prisma, { topicId: topic!.id, states: [EpochState.WORKER_SUBMISSION] }, { after, limit: 7 });
      if (page.length === 0) break;
      seen.push(...page.map((e) => `${e.nonce}`));
      const last = page[page.length - 1]!;
      after = { startAt: last.windows.workerOpenAt, topicId: last.topicId, nonce: last.nonce };
    }
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
  });
});
