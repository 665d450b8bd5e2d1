/**
 * 100 concurrent applyEpochTransition calls over HTTP, as an operator, on one epoch: exactly one
 * commits; every other gets CONFLICT or ILLEGAL_TRANSITION, and the log holds one record. And an
 * operator's transitions racing the scheduler's batches on the same due epochs: each applies once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAuthenticator } from "../../src/auth/authenticator.js";
import { EpochTransition, TransitionSource } from "../../src/domain/index.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { API_KEYS, OPERATOR_KEY, bearer } from "../helpers/credentials.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { epochLog, lifecycleFor } from "../helpers/lifecycle.js";
import { insertOverdueEpochs } from "../helpers/overdue-epochs.js";

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

  it("100 cancels (a different code path): exactly one wins", async () => {
    const { ok, codes, log } = await race(() => "CANCEL");
    assert.equal(ok.length, 1);
    assert.deepEqual([...new Set(codes)].filter((c) => c !== "CONFLICT" && c !== "ILLEGAL_TRANSITION"), [], JSON.stringify(codes));
    assert.equal(log.length, 1);
  });

  it("an operator closing 100 due worker windows while a scheduler round runs: each epoch's close applies once, by one of them", async () => {
    const backlog = await insertOverdueEpochs(db.prisma, { topics: 4, perTopic: 25, firstTopicId: 7000n });
    const keys = backlog.topicIds.flatMap((t) => Array.from({ length: 25 }, (_, i) => ({ t: t.toString(), n: String(i + 1) })));
    // Small batches: the round and the requests interleave on the same rows.
    const round = lifecycleFor(db, undefined, { config: { WORKER_BATCH_SIZE: 10 } }).scheduler;
    const [results] = await Promise.all([
      Promise.all(keys.map((k) => api.gql(APPLY, { ...k, tr: "CLOSE_WORKER_WINDOW" }, bearer(OPERATOR_KEY)))),
      round.runDue(Date.now(), await round.dueInstants()),
    ]);
    const byApi = results.filter((r) => r.body.data?.applyEpochTransition).length;
    const codes = results.filter((r) => r.body.errors).map((r) => r.body.errors[0].extensions.code);
    assert.deepEqual([...new Set(codes)].filter((c) => c !== "CONFLICT" && c !== "ILLEGAL_TRANSITION"), [], JSON.stringify(codes));
    const closes = await db.prisma.$queryRaw<{ source: number; n: number; epochs: number }[]>`
      SELECT source, count(*)::int AS n, count(DISTINCT (topic_id, nonce))::int AS epochs FROM transition_record
      WHERE transition = ${EpochTransition.CLOSE_WORKER_WINDOW} AND topic_id >= ${7000n - 2n ** 63n} GROUP BY source ORDER BY source`;
    const total = closes.reduce((a, c) => a + c.n, 0);
    assert.equal(total, backlog.count, `one close per epoch: ${JSON.stringify(closes)}`);
    assert.equal(closes.reduce((a, c) => a + c.epochs, 0), backlog.count, "no epoch closed by both");
    assert.equal(closes.find((c) => c.source === TransitionSource.API)?.n ?? 0, byApi, "every close the API reported is in the log");
  });
});
