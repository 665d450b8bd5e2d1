/**
 * Global object identification (Relay's Node convention) and what it is for: a client cache
 * normalises epochs by `id` without configuration, so a mutation's result updates the epoch an
 * earlier query cached. The Apollo Client case runs the real @apollo/client against the real API
 * process.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { EpochState, UINT64_MAX } from "../../src/domain/index.js";
import { epochNodeId, transitionNodeId } from "../../src/graphql/node/node-id.js";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { startTestApi, type TestApi } from "../helpers/api-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { seedEpochs, type Seeded } from "../helpers/seed-epochs.js";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("object identity (e2e)", () => {
  let db: TestDatabase;
  let seed: Seeded;
  let api: TestApi;
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
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return res.body.data;
  }

  it("gives Epoch and TransitionRecord a global id that node(id:) resolves, the same wherever the object appears", async () => {
    const e = seed.epochs.find((x) => x.topicId === UINT64_MAX && x.state === EpochState.REPUTER_SUBMISSION)!;
    const d = await data(
      `query($t: Uint64!, $n: NonceV2!) {
        epoch(topicId: $t, nonce: $n) { id topicId nonce transitions(first: 1) { edges { node { id transition epoch { id } } } } }
        openReputerWindows(topicId: $t) { edges { node { id } } }
      }`,
      { t: String(e.topicId), n: String(e.nonce) },
    );
    const id = d.epoch.id as string;
    assert.equal(id, epochNodeId(e));
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(d.openReputerWindows.edges.map((x: { node: { id: string } }) => x.node.id), [id]);
    const record = d.epoch.transitions.edges[0].node;
    assert.equal(record.epoch.id, id);

    const back = await data(
      `query($a: ID!, $b: ID!) {
        a: node(id: $a) { __typename id ... on Epoch { topicId nonce state } }
        b: node(id: $b) { __typename id ... on TransitionRecord { transition topicId nonce } }
      }`,
      { a: id, b: record.id },
    );
    assert.deepEqual(back.a, { __typename: "Epoch", id, topicId: String(e.topicId), nonce: String(e.nonce), state: "REPUTER_SUBMISSION" });
    assert.deepEqual(back.b, { __typename: "TransitionRecord", id: record.id, transition: record.transition, topicId: String(e.topicId), nonce: String(e.nonce) });
    // Topic keeps its Uint64 id (unique among topics): a cache keys it as Topic:<id>.
    assert.deepEqual((await data(`{ topic(id: "2") { __typename id } }`)).topic, { __typename: "Topic", id: "2" });
  });

  it("answers null for a well-formed id of nothing, and BAD_USER_INPUT naming `id` for anything it never issued", async () => {
    const missing = await data(`query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } }`, {
      a: epochNodeId({ topicId: 4n, nonce: 1n }),
      b: transitionNodeId(9_999_999n),
    });
    assert.deepEqual(missing, { a: null, b: null });
    const hostile = [
      "",
      "!!!",
      "x".repeat(100_000),
      b64("Epoch:1"),
      b64("Epoch:01:2"),
      b64("Epoch:1:2:3"),
      b64("Epoch:-1:2"),
      b64(`Epoch:${UINT64_MAX + 1n}:1`),
      b64("Topic:1"),
      b64("TransitionRecord:9223372036854775808"),
      b64("TransitionRecord:1") + "=",
      `${b64("Epoch:1:2")}A`,
      "RXBvY2g6MToy\u0000",
    ];
    for (const id of hostile) {
      const res = await api.gql(`query($id: ID!) { node(id: $id) { id } }`, { id });
      assert.equal(res.status, 200);
      assert.equal(res.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", `${id.slice(0, 40)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.errors[0].extensions.argument, "id");
      assert.deepEqual(res.body.data, { node: null });
    }
  });

  it("Apollo Client (InMemoryCache, no typePolicies) updates the cached epoch of an earlier query from a mutation's result", async () => {
    const proc: ApiProcess = await spawnApi(db.url);
    try {
      let requests = 0;
      const client = new ApolloClient({
        cache: new InMemoryCache(),
        link: new HttpLink({
          uri: `${proc.url}/graphql`,
          fetch: (input, init) => {
            requests++;
            return fetch(input, init);
          },
        }),
      });
      const OPEN = gql`
        query Open($t: Uint64) {
          openWorkerWindows(topicId: $t) { edges { node { id topicId nonce state version workerWindow { isOpen } topic { id epochLength } } } }
        }
      `;
      const first = await client.query({ query: OPEN, variables: { t: "3" } });
      const node = (first.data as any).openWorkerWindows.edges[0].node;
      assert.equal(node.state, "WORKER_SUBMISSION");
      // Normalised by __typename and id, with no configuration.
      const store = client.cache.extract() as Record<string, unknown>;
      assert.ok(store[`Epoch:${node.id}`], Object.keys(store).join(", "));
      // Topic by its Uint64 id, unique among topics.
      assert.ok(store["Topic:3"], Object.keys(store).join(", "));

      await client.mutate({
        mutation: gql`
          mutation Cancel($t: Uint64!, $n: NonceV2!) {
            cancelEpoch(topicId: $t, nonce: $n, reason: "apollo") { id state version workerWindow { isOpen } }
          }
        `,
        variables: { t: node.topicId, n: node.nonce },
      });
      assert.equal(requests, 2);
      // The earlier query, answered from the cache only: the epoch inside it is the updated one.
      const cached = client.readQuery({ query: OPEN, variables: { t: "3" } }) as any;
      const after = cached.openWorkerWindows.edges[0].node;
      assert.equal(after.id, node.id);
      assert.equal(after.state, "CANCELLED");
      assert.equal(after.version, node.version + 1);
      assert.equal(after.workerWindow.isOpen, false);
      const again = await client.query({ query: OPEN, variables: { t: "3" }, fetchPolicy: "cache-only" });
      assert.equal((again.data as any).openWorkerWindows.edges[0].node.state, "CANCELLED");
      assert.equal(requests, 2, "no refetch");
      client.stop();
    } finally {
      await proc.stop();
    }
  });
});
