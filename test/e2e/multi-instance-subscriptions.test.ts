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
import { until } from "../helpers/until.js";
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
    let cursor: string | undefined;
    await until("instance B lists the start", async () => {
      cursor = (await b.gql(`{ transitions(topicId: "1") { edges { cursor } } }`)).transitions.edges[0]?.cursor;
      return cursor !== undefined;
    }, 15_000);
    return cursor!;
  }

  /** Transitions of the test topic committed so far: all of them, and those into COMPLETED. */
  async function committed(): Promise<{ all: number; completed: number }> {
    const [row] = await db.prisma.$queryRaw<{ all: number; completed: number }[]>`
      SELECT count(*)::int AS all, count(*) FILTER (WHERE to_state = 5)::int AS completed FROM transition_record WHERE topic_id = ${toStored(TOPIC)}`;
    return row!;
  }

  it("delivers every committed transition once, in commit order, to both instances; resume and filters are exact", async () => {
    // Spawned here, not in a hook: the helpers tie the processes' cleanup to the calling test.
    [a, b] = await Promise.all([spawnApi(db.url), spawnApi(db.url)]);
    await spawnWorker(db.url);
    const from = await startCursor();
    const onB = collect(client(b), SUB, { topicId: TOPIC.toString(), after: from }, (d) => d.epochTransitioned as Ev);
    const endedOnA = collect(client(a), SUB, { topicId: TOPIC.toString(), states: ["COMPLETED", "CANCELLED"], after: from }, (d) => d.epochTransitioned as Ev);
    const first = collect(client(a), SUB, { topicId: TOPIC.toString(), after: from }, (d) => d.epochTransitioned as Ev);

    await a.gql(`mutation { createTopic(input: { id: "${TOPIC}", epochLength: 2, groundTruthLag: 2, workerSubmissionWindow: 1, active: true }) { id } }`);
    // The resuming client sees a few events, goes away while the worker keeps committing, then
    // comes back with the last cursor it got.
    const early = await first.waitFor(3);
    first.dispose();
    const resumedAfter = early[early.length - 1]!.cursor;
    // While it is away, the worker commits more.
    await until("more transitions while the client is away", async () => (await committed()).all >= early.length + 3, 15_000);
    const resumed = collect(client(a), SUB, { topicId: TOPIC.toString(), after: resumedAfter }, (d) => d.epochTransitioned as Ev);

    // A few lifecycles: the first epochs complete (reputer closes at T+4 s).
    await until("two completed epochs", async () => (await committed()).completed >= 2, 20_000);
    await a.gql(`mutation { deactivateTopic(id: "${TOPIC}") { active } }`);

    // Deactivation cancelled the live epochs: the log is final.
    const log = await db.prisma.$queryRaw<{ transition: number; to_state: number; source: number }[]>`
      SELECT transition, to_state, source FROM transition_record WHERE topic_id = ${toStored(TOPIC)} ORDER BY txid, id`;
    const names = ["OPEN_WORKER_WINDOW", "CLOSE_WORKER_WINDOW", "OPEN_REPUTER_WINDOW", "CLOSE_REPUTER_WINDOW", "COMPLETE", "CANCEL"];
    const expected = log.map((r) => names[r.transition]);

    const all = await onB.waitFor(log.length, 15_000);
    assert.deepEqual(all.map((e) => e.transition), expected, "instance B: every transition, in commit order");
    assert.equal(new Set(all.map((e) => e.cursor)).size, all.length, "no duplicates");
    assert.ok(all.some((e) => e.source === "SCHEDULER"), "the worker process committed some");

    const rest = await resumed.waitFor(log.length - early.length, 15_000);
    assert.deepEqual([...early, ...rest].map((e) => e.cursor), all.map((e) => e.cursor), "resume: exactly the missed events, once each");

    // Epochs start every 2 s and live 4 s, so deactivation cancelled at least one: the log ends with
    // a CANCEL, which the filtered subscriber gets last (events come in log order), so once it has
    // arrived nothing more can.
    assert.equal(expected.at(-1), "CANCEL");
    const ended = log.filter((r) => r.to_state === 5 || r.to_state === 6).map((r) => (r.to_state === 5 ? "COMPLETED" : "CANCELLED"));
    await endedOnA.waitFor(ended.length, 15_000);
    assert.deepEqual(endedOnA.items.map((e) => e.to), ended, "filtered: exactly the COMPLETED and CANCELLED transitions");
    assert.equal(endedOnA.items.at(-1)!.cursor, all.at(-1)!.cursor);
    assert.equal(onB.items.length, log.length, "nothing after the last committed transition");
  });
});
