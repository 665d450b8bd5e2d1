/**
 * The API process's open-window cache against real commits: a transition committed elsewhere shows
 * once its NOTIFY arrives (well before the TTL), and one committed through the API's own mutation
 * shows on the very next read.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { EpochState, TransitionSource, computeWindows } from "../../src/domain/index.js";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { until } from "../helpers/until.js";

const OPEN = `query($t: Uint64) { openWorkerWindows(topicId: $t) { totalCount edges { node { nonce state } } } }`;
const settings = { epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 };

describe("open-window cache (API process, TTL far longer than the test)", () => {
  let db: TestDatabase;
  let store: LifecycleStore;
  before(async () => {
    db = await createTestDatabase();
    store = new LifecycleStore(db.prisma);
    await store.topics.create(db.prisma, { id: 7n, ...settings });
  });
  after(() => db.close());

  it("drops cached pages on commits by another process and on its own mutations", async () => {
    const api: ApiProcess = await spawnApi(db.url, { OPEN_WINDOW_CACHE_TTL_MS: "60000" });
    const nonces = async () => ((await api.gql(OPEN, { t: "7" })).openWorkerWindows.edges as { node: { nonce: string } }[]).map((e) => e.node.nonce);
    assert.deepEqual(await nonces(), []);
    // A row written without a transition record notifies nobody: the cached page proves it is served from memory.
    const legacy = await store.epochs.insert(db.prisma, { topicId: 7n, nonce: 42n, state: EpochState.WORKER_SUBMISSION, windows: computeWindows(settings, Date.now() - 60_000) });
    assert.deepEqual(await nonces(), [], "served from the cache");

    // Committed by this test process, as a worker would: the API hears of it through NOTIFY only.
    const started = await store.startEpoch(7n, Date.now(), TransitionSource.SCHEDULER);
    const nonce = String(started.epoch.nonce);
    let seen: string[] = [];
    await until("the new epoch listed", async () => (seen = await nonces()).includes(nonce), 5_000);
    assert.deepEqual(seen, [nonce, String(legacy.nonce)], "the new epoch shows long before the 60 s TTL");
    const count = await api.gql(OPEN, { t: "7" });
    assert.equal(count.openWorkerWindows.totalCount, 2);

    // Through the API itself: the next read already reflects it.
    await api.gql(`mutation { applyEpochTransition(topicId: "7", nonce: "${nonce}", transition: CLOSE_WORKER_WINDOW) { state } }`);
    assert.deepEqual(await nonces(), [String(legacy.nonce)]);
    assert.equal((await api.gql(OPEN, { t: "7" })).openWorkerWindows.totalCount, 1);
    await api.stop();
  });
});
