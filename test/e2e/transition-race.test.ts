/**
 * 100 concurrent applyEpochTransition calls over HTTP, as an operator, on one epoch: exactly one
 * commits; every other gets CONFLICT or ILLEGAL_TRANSITION, and the log holds one record.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAuthenticator } from "../../src/auth/authenticator.js";
import { TransitionSource } from "../../src/domain/index.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { API_KEYS, OPERATOR_KEY, bearer } from "../helpers/credentials.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { epochLog, lifecycleFor } from "../helpers/lifecycle.js";

const APPLY = `mutation($t: Uint64!, $n: NonceV2!, $tr: EpochTransition!) { applyEpochTransition(topicId: $t, nonce: $n, transition: $tr) { state } }`;
const settings = { epochLength: 3600, groundTruthLag: 3600, workerSubmissionWindow: 600 };

describe("concurrent transitions over HTTP (e2e)", () => {
  let db: TestDatabase;
  let api: TestApi;
  let lc: ReturnType<typeof lifecycleFor>;
  before(async () => {
    db = await createTestDatabase();
    lc = lifecycleFor(db);
    api = await startTestApi({ db, commands: lc.commands, security: { authenticator: await createAuthenticator({ apiKeys: API_KEYS }) } });
  });
  after(async () => {
    await api?.stop();
    await db?.close();
  });

  async function race(transitions: (i: number) => string) {
    const topic = (await lc.store.topics.create(db.prisma, settings))!;
    const { epoch } = await lc.store.startEpoch(topic.id, Date.now(), TransitionSource.API);
    const vars = (i: number) => ({ t: topic.id.toString(), n: epoch.nonce.toString(), tr: transitions(i) });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => api.gql(APPLY, vars(i), bearer(OPERATOR_KEY))));
    const ok = results.filter((r) => r.body.data?.applyEpochTransition);
    const codes = results.filter((r) => r.body.errors).map((r) => r.body.errors[0].extensions.code);
    // The start's own record, then the winner's.
    const log = (await epochLog(lc, topic.id, epoch.nonce)).slice(1);
    return { ok, codes, log, results };
  }

  it("the same transition 100 times: one succeeds, 99 get CONFLICT or ILLEGAL_TRANSITION", async () => {
    const { ok, codes, log, results } = await race(() => "CLOSE_WORKER_WINDOW");
    assert.equal(ok.length, 1, JSON.stringify(results.map((r) => r.body).slice(0, 3)));
    assert.equal(codes.length, 99);
    assert.deepEqual([...new Set(codes)].filter((c) => c !== "CONFLICT" && c !== "ILLEGAL_TRANSITION"), [], JSON.stringify(codes));
    assert.equal(log.length, 1);
    assert.equal(ok[0]!.body.data.applyEpochTransition.state, "WAITING_GROUND_TRUTH");
  });

  it("100 cancels (a different code path: cancel unschedules the epoch's jobs): exactly one wins", async () => {
    const { ok, codes, log } = await race(() => "CANCEL");
    assert.equal(ok.length, 1);
    assert.deepEqual([...new Set(codes)].filter((c) => c !== "CONFLICT" && c !== "ILLEGAL_TRANSITION"), [], JSON.stringify(codes));
    assert.equal(log.length, 1);
  });
});
