/** No N+1: nested fields are batched per request, so the statement count does not grow with the page. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import { PrismaReadModel } from "../../src/db/read-model.js";
import { toStored } from "../../src/db/uint64-column.js";
import { TransitionSource } from "../../src/domain/index.js";
import { PrismaClient } from "../../src/generated/prisma/client.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { T0, seedEpochs } from "../helpers/seed-epochs.js";
import { untilLogSettled } from "../helpers/settled-log.js";

describe("GraphQL batching (e2e, statements counted at the pg driver)", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let prisma: PrismaClient;
  let api: TestApi;
  const statements: string[] = [];

  before(async () => {
    db = await createTestDatabase();
    await seedEpochs(db.prisma);
    const store = new LifecycleStore(db.prisma);
    for (let i = 0; i < 30; i++) await store.startEpoch([1n, 2n, 3n][i % 3]!, T0 + 3_600_000 + i * 1000, TransitionSource.SCHEDULER);
    await untilLogSettled(db.prisma);
    // Every statement any pooled connection runs passes through its client's `query`.
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const first = args[0] as string | { text: string };
        statements.push(typeof first === "string" ? first : first.text);
        return query(...args);
      };
    });
    prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    api = await startTestApi({ readModel: new PrismaReadModel(prisma, pool) });
  });
  after(async () => {
    await api?.stop();
    await prisma?.$disconnect();
    await pool?.end().catch(() => undefined);
    await db?.close();
  });

  async function count(query: string): Promise<{ n: number; data: any }> {
    await api.gql(`{ __typename }`); // warm-up outside the count
    statements.length = 0;
    const res = await api.gql(query);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return { n: statements.length, data: res.body.data };
  }

  const page = (first: number) => `{ epochs(first: ${first}) { totalCount edges { node { nonce
      topic { id epochLength }
      transitions { edges { node { transition at epoch { nonce state } } } }
  } } } }`;

  it("a page of 50 epochs with their topics and transitions takes 4 statements", async () => {
    const { n, data } = await count(page(50));
    assert.equal(data.epochs.edges.length, 50);
    // Every epoch comes with its own topic and exactly its logged transitions.
    type Node = { nonce: string; topic: { id: string }; transitions: { edges: { node: { epoch: { nonce: string } } }[] } };
    const logged = await db.prisma.$queryRaw<{ topic_id: bigint; nonce: bigint; n: number }[]>`
      SELECT topic_id, nonce, count(*)::int AS n FROM transition_record GROUP BY 1, 2`;
    const perEpoch = new Map(logged.map((r) => [`${r.topic_id}:${r.nonce}`, r.n]));
    for (const { node } of data.epochs.edges as { node: Node }[]) {
      const key = `${toStored(BigInt(node.topic.id))}:${toStored(BigInt(node.nonce))}`;
      assert.equal(node.transitions.edges.length, perEpoch.get(key) ?? 0, `transitions of epoch ${node.topic.id}/${node.nonce}`);
      assert.ok(node.transitions.edges.every((t) => t.node.epoch.nonce === node.nonce));
    }
    assert.equal(n, 4, `the page, its count, the topics and the transitions:\n${statements.join("\n---\n")}`);
    // The same shape for 5 rows costs the same: nothing is per row.
    assert.equal((await count(page(5))).n, n);
  });

  it("deep nesting stays constant per level", async () => {
    const deep = (first: number) => `{ topics(first: ${first}) { edges { node { id
      epochs(first: 10) { totalCount edges { node { nonce topic { id } transitions(first: 3) { edges { node { epoch { topic { id } } } } } } } }
    } } } }`;
    const small = await count(deep(1));
    const large = await count(deep(5));
    assert.equal(large.n, small.n, statements.join("\n---\n"));
    assert.ok(large.n >= 4 && large.n <= 5, `${large.n} statements`);
  });

  it("reputerWindowOverlapsOlder and node(id:) are batched: one statement for a page, none for epochs not in REPUTER_SUBMISSION", async () => {
    const overlaps = (first: number) => `{ epochs(first: ${first}, where: { states: [REPUTER_SUBMISSION, COMPLETED] }) { edges { node { id state reputerWindowOverlapsOlder } } } }`;
    const small = await count(overlaps(2));
    const large = await count(overlaps(60));
    assert.ok(large.data.epochs.edges.some((e: { node: { state: string } }) => e.node.state === "REPUTER_SUBMISSION"), "the page has open reputer windows");
    assert.equal(large.n, small.n, statements.join("\n---\n"));
    assert.equal(large.n, 2, "the listing and one overlap probe for the whole page");
    const noReputer = await count(`{ openWorkerWindows(first: 50) { edges { node { reputerWindowOverlapsOlder } } } }`);
    assert.equal(noReputer.n, 1, "only the listing");
    const ids: string[] = large.data.epochs.edges.map((e: { node: { id: string } }) => e.node.id);
    const nodes = await count(`{ ${ids.map((id, i) => `n${i}: node(id: "${id}") { id }`).join(" ")} }`);
    assert.equal(nodes.n, 1, statements.join("\n---\n"));
    assert.deepEqual(Object.values(nodes.data).map((n) => (n as { id: string }).id), ids);
  });
});
