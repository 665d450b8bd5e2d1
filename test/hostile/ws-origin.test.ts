/**
 * A page on a foreign origin must not reach the API through a WebSocket (Apollo's CSRF prevention
 * covers HTTP only): the upgrade is refused with 403 before connection_init. The API's own origin
 * (the dashboard and playground), origins in ALLOWED_ORIGINS and clients sending no Origin
 * (non-browser clients) still connect. Real process, real sockets.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { spawnApi } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

type Outcome = { acked: true } | { acked: false; status?: number; body?: string; code?: number };

/** Opens a graphql-ws socket with `origin` (none when undefined) and says how far it got. */
function attempt(httpUrl: string, origin: string | undefined, then?: (socket: WebSocket) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = new WebSocket(httpUrl.replace(/^http/, "ws") + "/graphql", "graphql-transport-ws", origin === undefined ? {} : { origin });
    socket.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ acked: false, status: res.statusCode, body }));
    });
    socket.once("error", () => resolve({ acked: false }));
    socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: {} })));
    socket.on("message", (data) => {
      if (JSON.parse(data.toString()).type !== "connection_ack") return;
      resolve({ acked: true });
      if (then) then(socket);
      else socket.close();
    });
    socket.once("close", (code) => resolve({ acked: false, code }));
  });
}

describe("WebSocket origin guard (hostile, real process)", { timeout: 60_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.close();
  });

  it("refuses a foreign browser origin at the upgrade (403); same origin and no Origin connect", async () => {
    const api = await spawnApi(db.url, { RATE_LIMIT_BURST: "0" });
    const foreign = await attempt(api.url, "https://evil.example");
    assert.equal(foreign.acked, false);
    assert.equal((foreign as { status?: number }).status, 403, JSON.stringify(foreign));
    assert.equal(JSON.parse((foreign as { body: string }).body).errors[0].extensions.code, "FORBIDDEN");
    // The attack: a foreign page creating a topic with auth off. It never gets a socket.
    const viaForeign = await attempt(api.url, "http://attacker.test:4000", (s) =>
      s.send(JSON.stringify({ id: "m", type: "subscribe", payload: { query: `mutation { createTopic(input: { id: "66", epochLength: 60, groundTruthLag: 60, workerSubmissionWindow: 30 }) { id } }` } })),
    );
    assert.equal(viaForeign.acked, false);
    assert.equal(await db.prisma.topic.count(), 0, "nothing written from a foreign origin");
    // "null" (sandboxed frames, file://) is foreign too; so is the same host on another port.
    assert.equal((await attempt(api.url, "null")).acked, false);
    const port = new URL(api.url).port;
    assert.equal((await attempt(api.url, `http://127.0.0.1:${Number(port) + 1}`)).acked, false);

    assert.deepEqual(await attempt(api.url, `http://127.0.0.1:${port}`), { acked: true }, "same origin (dashboard, playground)");
    assert.deepEqual(await attempt(api.url, undefined), { acked: true }, "no Origin: a non-browser client");
    await api.stop();
  });

  it("admits the origins listed in ALLOWED_ORIGINS, and still no other", async () => {
    const api = await spawnApi(db.url, { RATE_LIMIT_BURST: "0", ALLOWED_ORIGINS: "https://dash.example.com, http://localhost:3000" });
    assert.deepEqual(await attempt(api.url, "https://dash.example.com"), { acked: true });
    assert.deepEqual(await attempt(api.url, "http://localhost:3000"), { acked: true });
    assert.equal((await attempt(api.url, "https://dash.example.com.evil.example")).acked, false);
    assert.equal((await attempt(api.url, "http://localhost:3001")).acked, false);
    assert.deepEqual(await attempt(api.url, api.url), { acked: true }, "its own origin is always allowed");
    await api.stop();
  });
});
