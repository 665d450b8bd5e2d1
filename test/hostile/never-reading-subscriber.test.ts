/**
 * A client that subscribes to heavy payloads and then stops reading its socket (answering the
 * server's pings with unsolicited pongs, so keep-alive never drops it) must not make the server
 * hold its backlog: the server closes it with 4413 once its unsent bytes stay over WS_STALL_BYTES
 * for WS_STALL_MS (or its backlog outgrows WS_CONNECTION_BUFFER_BYTES), and its memory stays
 * bounded. A client that goes away with sends pending is one debug line, never an error per
 * subscription. Real process, raw `ws` socket paused at the TCP level; small limits via env.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { until } from "../helpers/until.js";

const TOPIC = "3";
const SUBSCRIPTIONS = 10;
const REASON = "r".repeat(900);
/** Few objects, big strings: ~1 KB per transition, two a page for 30 epochs, ~60 KB per event. */
const heavy = (i: number) =>
  `subscription S${i} { epochTransitioned { cursor reason epoch { topic { epochs(first: 30) { edges { node { nonce transitions(first: 2) { edges { node { reason } } } } } } } } } }`;

const ENV = {
  RATE_LIMIT_BURST: "0",
  LOG_LEVEL: "debug",
  SUBSCRIPTION_MAX_COST: "100000", // admit the heavy payloads: this test is about memory
  SUBSCRIPTION_WORK_PER_SECOND: "0", // and execute them at the event rate (the work budget has its own test)
  SUBSCRIPTION_BUFFER_BYTES: "262144",
  WS_CONNECTION_BUFFER_BYTES: "33554432",
  WS_STALL_BYTES: "65536",
  WS_STALL_MS: "4000",
};

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(kb, "VmRSS in /proc/<pid>/status");
  return Number(kb[1]) * 1024;
}

/** Every JSON log line of the process, as it comes. */
function logLines(api: ApiProcess): Array<{ level: number; msg: string; [k: string]: unknown }> {
  const lines: Array<{ level: number; msg: string }> = [];
  createInterface({ input: api.child.stdout! }).on("line", (line) => {
    try {
      lines.push(JSON.parse(line));
    } catch {
      lines.push({ level: 60, msg: line });
    }
  });
  return lines;
}

/** One committed start and one cancel (with a long reason): two events, and a heavier topic. */
async function cycle(api: ApiProcess): Promise<void> {
  const { startEpoch } = await api.gql(`mutation { startEpoch(topicId: "${TOPIC}") { nonce } }`);
  await api.gql(`mutation($n: NonceV2!, $r: String) { cancelEpoch(topicId: "${TOPIC}", nonce: $n, reason: $r) { state } }`, { n: startEpoch.nonce, r: REASON });
}

/** Commits cycles in the background until `stop()`, which resolves once the last one is done. */
function producing(api: ApiProcess): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) await cycle(api);
  })();
  loop.catch(() => {}); // reported by stop(); a failed test kills the process under it
  return {
    stop() {
      running = false;
      return loop;
    },
  };
}

interface Reader {
  readonly socket: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  stopPongs(): void;
}

/** Subscribes heavily, then stops reading at the TCP level while sending a pong every 200 ms. */
async function neverReading(api: ApiProcess): Promise<Reader> {
  const socket = new WebSocket(api.url.replace(/^http/, "ws") + "/graphql", "graphql-transport-ws");
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.on("error", () => {}); // a terminated peer; `closed` tells the rest
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: {} })));
    socket.on("message", (data) => {
      if (JSON.parse(data.toString()).type === "connection_ack") resolve();
    });
    socket.once("close", (code) => reject(new Error(`closed ${code} before connection_ack`)));
  });
  for (let i = 0; i < SUBSCRIPTIONS; i++) socket.send(JSON.stringify({ id: `s${i}`, type: "subscribe", payload: { query: heavy(i) } }));
  (socket as unknown as { _socket: import("node:net").Socket })._socket.pause();
  const pongs = setInterval(() => {
    if (socket.readyState === socket.OPEN) socket.pong();
  }, 200);
  void closed.then(() => clearInterval(pongs));
  return { socket, closed, stopPongs: () => clearInterval(pongs) };
}

describe("a subscriber that never reads (hostile, real process)", { timeout: 180_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  async function seeded(env: Record<string, string> = {}): Promise<{ api: ApiProcess; logs: ReturnType<typeof logLines> }> {
    const api = await spawnApi(db.url, { ...ENV, ...env });
    const logs = logLines(api);
    if ((await api.gql(`{ topic(id: "${TOPIC}") { id } }`)).topic === null) {
      await api.gql(`mutation { createTopic(input: { id: "${TOPIC}", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 300 }) { id } }`);
      for (let i = 0; i < 30; i++) await cycle(api);
    }
    return { api, logs };
  }
  const closingLine = (logs: ReturnType<typeof logLines>) => logs.find((l) => l.msg === "closing a WebSocket whose client is not reading");

  it("is closed with 4413 whatever pongs it sends, and the server's memory stays bounded", async () => {
    const { api, logs } = await seeded();
    const before = rssBytes(api.child.pid!);
    const client = await neverReading(api);
    // Events keep coming while it does not read, until the server gives up on it.
    const events = producing(api);
    await until("the server to close the stalled socket", () => closingLine(logs) !== undefined);
    assert.equal(closingLine(logs)!.code, 4413);
    // Reading again (within WS_STALL_MS), it finds the close frame behind its backlog.
    (client.socket as unknown as { _socket: import("node:net").Socket })._socket.resume();
    const closed = await client.closed;
    await events.stop();
    assert.equal(closed.code, 4413, `close ${closed.code} ${closed.reason}`);
    const growth = rssBytes(api.child.pid!) - before;
    assert.ok(growth < 200 * 1024 * 1024, `server RSS grew by ${Math.round(growth / 1024 / 1024)} MB`);
    // The server serves on.
    assert.equal((await api.gql(`{ topic(id: "${TOPIC}") { id } }`)).topic.id, TOPIC);
    await api.stop();
  });

  it("is closed with 4413 as soon as its backlog passes WS_CONNECTION_BUFFER_BYTES, stalled or not", async () => {
    const { api, logs } = await seeded({ WS_CONNECTION_BUFFER_BYTES: "262144", WS_STALL_MS: "600000" });
    const client = await neverReading(api);
    const events = producing(api);
    await until("the server to close the socket over budget", () => closingLine(logs) !== undefined);
    assert.equal(closingLine(logs)!.why, "over budget");
    (client.socket as unknown as { _socket: import("node:net").Socket })._socket.resume();
    assert.equal((await client.closed).code, 4413);
    await events.stop();
    await api.stop();
  });

  it("going away with sends pending is one debug line for the connection, not an error per subscription", async () => {
    const { api, logs } = await seeded();
    const client = await neverReading(api);
    const events = producing(api);
    await until("sends pending on the stalled socket", () => closingLine(logs) !== undefined);
    client.stopPongs();
    client.socket.terminate();
    await client.closed;
    await until("the disconnect line", () => logs.some((l) => l.msg === "client disconnected with sends pending"), 20_000);
    await events.stop();
    // Whatever else is still in flight settles: a few more events, and the process answers.
    for (let i = 0; i < 3; i++) await cycle(api);
    assert.equal(logs.filter((l) => l.msg === "client disconnected with sends pending").length, 1);
    assert.deepEqual(logs.filter((l) => l.level >= 50), [], "no error lines");
    await api.stop();
  });
});
