/**
 * Results of shared subscription executions are written straight to the members' sockets, framed
 * once per result and subscription id (src/graphql/ws-server.ts, ws-frame.ts). On the wire that
 * must be exactly what graphql-ws writes — the `next` message as JSON.stringify makes it, whatever
 * the id holds (quotes, backslashes, non-ASCII), in the right frame length encoding up to payloads
 * over 64 KiB — and every member of one execution gets every result once, in order, whichever
 * client it uses. Real process, raw sockets and graphql-ws's own client.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { until } from "../helpers/until.js";
import { collect, wsClient } from "../helpers/ws-client.js";

const TOPIC = "11";
const REASON = "r".repeat(1000);

interface Listener {
  readonly socket: WebSocket;
  /** Every text message after connection_ack, as received. */
  readonly texts: string[];
}

/** A raw graphql-transport-ws connection that subscribes to `query` under each of `ids`. */
async function listen(api: ApiProcess, query: string, ids: readonly string[]): Promise<Listener> {
  const socket = new WebSocket(api.url.replace(/^http/, "ws") + "/graphql", "graphql-transport-ws");
  const texts: string[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: {} })));
    socket.on("message", (data, isBinary) => {
      assert.equal(isBinary, false, "text frames only");
      const text = data.toString();
      if (JSON.parse(text).type === "connection_ack") {
        for (const id of ids) socket.send(JSON.stringify({ id, type: "subscribe", payload: { query } }));
        resolve();
      } else texts.push(text);
    });
    socket.once("close", (code) => reject(new Error(`closed ${code} before connection_ack`)));
  });
  return { socket, texts };
}

describe("shared results written straight to sockets (real process)", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let api: ApiProcess;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  /** The API process of one test (spawned in the test: it is killed when the test ends). */
  async function start(): Promise<void> {
    api = await spawnApi(db.url, { RATE_LIMIT_BURST: "0", SUBSCRIPTION_MAX_COST: "100000", SUBSCRIPTION_WORK_PER_SECOND: "0" });
    if ((await api.gql(`{ topic(id: "${TOPIC}") { id } }`)).topic === null) {
      await api.gql(`mutation { createTopic(input: { id: "${TOPIC}", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 }) { id } }`);
    }
  }

  /** One started and cancelled epoch: two results for every subscriber. */
  async function cycle(): Promise<void> {
    const { startEpoch } = await api.gql(`mutation { startEpoch(topicId: "${TOPIC}") { nonce } }`);
    await api.gql(`mutation($n: NonceV2!, $r: String) { cancelEpoch(topicId: "${TOPIC}", nonce: $n, reason: $r) { state } }`, { n: startEpoch.nonce, r: REASON });
  }

  it("sends every member graphql-ws's exact `next` message, whatever its id, to raw and graphql-ws clients alike", async () => {
    await start();
    const query = `subscription { epochTransitioned(topicId: "${TOPIC}") { cursor topicId transition reason } }`;
    const ids = ["1", `q"\\é€`, "2"];
    const a = await listen(api, query, ids);
    const b = await listen(api, query, ["1"]);
    const client = wsClient(api.url);
    const viaLibrary = collect(client, query, {}, (d) => d.epochTransitioned as { cursor: string; transition: string });
    // All subscribed (graphql-ws's client subscribes lazily): an event reaches everyone.
    await until("every subscription live", async () => {
      await cycle();
      return viaLibrary.items.length > 0 && a.texts.length >= 2 * ids.length && b.texts.length >= 2;
    }, 20_000);
    const libBefore = viaLibrary.items.length;
    for (let i = 0; i < 3; i++) await cycle();
    await until("six more results for the library client", () => viaLibrary.items.length >= libBefore + 6, 20_000);
    const sent = viaLibrary.items.slice(libBefore, libBefore + 6);
    assert.equal(sent.filter((e) => e.transition === "CANCEL").length, 3);
    // Every member gets the same results, each as graphql-ws writes it: JSON.stringify({ id, type: "next", payload: { data } }), byte for byte.
    const cursors = new Set(sent.map((e) => e.cursor));
    const of = (texts: string[], id: string) => texts.filter((t) => JSON.parse(t).id === id && cursors.has(JSON.parse(t).payload.data.epochTransitioned.cursor));
    await until("the same six on every raw subscription", () => ids.every((id) => of(a.texts, id).length === 6) && of(b.texts, "1").length === 6, 20_000);
    const expected = (id: string) => sent.map((e) => JSON.stringify({ id, type: "next", payload: { data: { epochTransitioned: e } } }));
    for (const id of ids) assert.deepEqual(of(a.texts, id), expected(id), `id ${id}`);
    assert.deepEqual(of(b.texts, "1"), expected("1"));
    viaLibrary.dispose();
    await client.dispose();
    a.socket.close();
    b.socket.close();
    await api.stop();
  });

  it("frames results over 64 KiB with the 64-bit length; a member that completes gets nothing more, the others everything", async () => {
    await start();
    // Twenty-odd epochs or more, each cancelled with a 1,000-character reason selected three times: over 64 KiB an event.
    for (let i = 0; i < 20; i++) await cycle();
    const heavy = `subscription { epochTransitioned(topicId: "${TOPIC}") { cursor epoch { topic { epochs(first: 40) { edges { node { nonce transitions(first: 2) { edges { node { r1: reason r2: reason r3: reason } } } } } } } } } }`;
    const a = await listen(api, heavy, ["x", "y"]);
    const b = await listen(api, heavy, ["x"]);
    await until("both connections live", async () => {
      await cycle();
      return a.texts.length >= 2 && b.texts.length >= 1;
    }, 20_000);
    // A socket's messages are handled in order: once z (subscribed after y completed) has a result, y has left the execution.
    a.socket.send(JSON.stringify({ id: "y", type: "complete" }));
    a.socket.send(JSON.stringify({ id: "z", type: "subscribe", payload: { query: heavy } }));
    const parsed = () => a.texts.map((t) => JSON.parse(t) as { id: string; payload: { data: { epochTransitioned: { cursor: string } } } });
    await until("four results for z", async () => {
      await cycle();
      return parsed().filter((m) => m.id === "z").length >= 4;
    }, 20_000);
    const messages = parsed();
    const cursorsOf = (id: string) => messages.filter((m) => m.id === id).map((m) => m.payload.data.epochTransitioned.cursor);
    assert.ok(messages.findLastIndex((m) => m.id === "y") < messages.findIndex((m) => m.id === "z"), "nothing for y after z joined");
    assert.deepEqual(cursorsOf("z").filter((c) => cursorsOf("y").includes(c)), []);
    // Every result is over 64 KiB, and x gets the same bytes on both connections.
    const zCursors = new Set(cursorsOf("z"));
    const xOn = (texts: string[]) => texts.filter((t) => zCursors.has(JSON.parse(t).payload?.data?.epochTransitioned?.cursor) && JSON.parse(t).id === "x");
    await until("x's results on b", () => xOn(b.texts).length === zCursors.size, 20_000);
    assert.deepEqual(xOn(a.texts), xOn(b.texts));
    for (const text of xOn(b.texts)) {
      assert.ok(Buffer.byteLength(text) > 65_536, `${Buffer.byteLength(text)} bytes`);
      assert.ok(JSON.parse(text).payload.data.epochTransitioned.epoch.topic.epochs.edges.length >= 20);
    }
    a.socket.close();
    b.socket.close();
    await api.stop();
  });
});
