/**
 * Two API instances and one scheduler worker as separate processes on one database: subscribers
 * on either instance get every transition the worker commits, in commit order, and a subscriber
 * that goes away and resumes with its cursor gets exactly what it missed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client } from "graphql-ws";
import { toStored } from "../../src/db/uint64-column.js";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { spawnWorker } from "../helpers/worker-process.js";
import { collect, wsClient } from "../helpers/ws-client.js";

const SUB = `subscription($topicId: Uint64, $states: [EpochState!], $after: String) {
  epochTransitioned(topicId: $topicId, states: $states, after: $after) { cursor nonce transition to source }
}`;
const TOPIC = 777n;

interface Ev { cursor: string; nonce: string; transition: string; to: string; source: string }

describe("subscriptions across processes", () => {
  let db: TestDatabase;
  let a: ApiProcess;
  let b: ApiProcess;
  const clients: Client[] = [];
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const c of clients) await c.dispose();
    await Promise.all([a?.stop(), b?.stop()]);
    await db.close();
  });
  const client = (api: ApiProcess) => {
    const c = wsClient(api.url);
    clients.push(c);
    return c;
  };

  /** A cursor from before the test topic exists: subscriptions resume from it, so none can miss the start. */
  async function startCursor(): Promise<string> {
    await a.gql(`mutation { createTopic(input: { id: "1", epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 30 }) { id } }`);
    await a.gql(`mutation { startEpoch(topicId: "1") { nonce } }`);
    for (;;) {
      const d = await b.gql(`{ transitions(topicId: "1") { edges { cursor } } }`);
      if (d.transitions.edges.length) return d.transitions.edges[0].cursor;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("delivers every committed transition once, in commit order, to both instances; resume and filters are exact", async () => {
    // Spawned here, not in a hook: the helpers tie the processes' cleanup to the calling test.
    [a, b] = await Promise.all([spawnApi(db.url), spawnApi(db.url)]);
    await spawnWorker(db.url);
    const from = await startCursor();
    const onB = collect(client(b), SUB, { topicId: TOPIC.toString(), after: from }, (d) => d.epochTransitioned as Ev);
    const completedOnA = collect(client(a), SUB, { topicId: TOPIC.toString(), states: ["COMPLETED"], after: from }, (d) => d.epochTransitioned as Ev);
    const first = collect(client(a), SUB, { topicId: TOPIC.toString(), after: from }, (d) => d.epochTransitioned as Ev);

    await a.gql(`mutation { createTopic(input: { id: "${TOPIC}", epochLength: 2, groundTruthLag: 2, workerSubmissionWindow: 1, active: true }) { id } }`);
    // The resuming client sees a few events, goes away while the worker keeps committing, then
    // comes back with the last cursor it got.
    const early = await first.waitFor(3);
    first.dispose();
    const resumedAfter = early[early.length - 1]!.cursor;
    await new Promise((r) => setTimeout(r, 2500));
    const resumed = collect(client(a), SUB, { topicId: TOPIC.toString(), after: resumedAfter }, (d) => d.epochTransitioned as Ev);

    await new Promise((r) => setTimeout(r, 3500)); // the first epochs complete (reputer closes at T+4 s)
    await a.gql(`mutation { deactivateTopic(id: "${TOPIC}") { active } }`);

    const log = await db.prisma.$queryRaw<{ transition: number; to_state: number; source: number }[]>`
      SELECT transition, to_state, source FROM transition_record WHERE topic_id = ${toStored(TOPIC)} ORDER BY txid, id`;
    assert.ok(log.length >= 10, `expected a few lifecycles, got ${log.length} transitions`);
    const names = ["OPEN_WORKER_WINDOW", "CLOSE_WORKER_WINDOW", "OPEN_REPUTER_WINDOW", "CLOSE_REPUTER_WINDOW", "COMPLETE", "CANCEL"];
    const expected = log.map((r) => names[r.transition]);

    const all = await onB.waitFor(log.length, 15_000);
    assert.deepEqual(all.map((e) => e.transition), expected, "instance B: every transition, in commit order");
    assert.equal(new Set(all.map((e) => e.cursor)).size, all.length, "no duplicates");
    assert.ok(all.some((e) => e.source === "SCHEDULER"), "the worker process committed some");

    const rest = await resumed.waitFor(log.length - early.length, 15_000);
    assert.deepEqual([...early, ...rest].map((e) => e.cursor), all.map((e) => e.cursor), "resume: exactly the missed events, once each");

    const completions = log.filter((r) => r.to_state === 5).length;
    assert.ok(completions >= 1);
    await completedOnA.waitFor(completions, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(completedOnA.items.every((e) => e.to === "COMPLETED"));
    assert.equal(completedOnA.items.length, completions, "filtered: only COMPLETED transitions");
    assert.equal(onB.items.length, log.length, "nothing after the last committed transition");
  });
});
