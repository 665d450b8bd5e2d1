/**
 * SIGTERM to the real API process (src/bin/api.ts): it stops accepting connections, lets an
 * in-flight HTTP request finish, closes WebSockets with 1001 (going away) and exits 0.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { spawnApi } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { seedEpochs } from "../helpers/seed-epochs.js";
import { rawSocket } from "../helpers/ws-client.js";

describe("graceful shutdown (e2e, real process)", { timeout: 60_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await seedEpochs(db.prisma);
  });
  after(async () => {
    await db?.close();
  });

  it("drains an in-flight request, closes sockets with 1001 and exits 0", async () => {
    const api = await spawnApi(db.url, { RATE_LIMIT_BURST: "0" });
    const exited = new Promise<number | null>((resolve) => api.child.once("exit", (code) => resolve(code)));

    const socket = rawSocket(api.url, {});
    assert.equal(await socket.acked, true);
    socket.send({ id: "s", type: "subscribe", payload: { query: `subscription { epochTransitioned { cursor } }` } });

    // Hold a lock the request's read needs, so it is still running when the signal arrives.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE epoch IN ACCESS EXCLUSIVE MODE");
    const inflight = fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ epochs(first: 5) { totalCount } }` }),
    });
    await waitUntil(async () => {
      const { rows } = await locker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      return rows[0].n > 0;
    });

    api.child.kill("SIGTERM");
    const closed = await socket.closed;
    assert.equal(closed.code, 1001, `close ${closed.code} ${closed.reason}`);

    // No new work: a fresh connection is refused while the in-flight request still runs.
    await waitUntil(async () => {
      try {
        const res = await fetch(`${api.url}/healthz`, { headers: { connection: "close" } });
        return res.status === 503;
      } catch {
        return true;
      }
    });
    assert.equal(api.child.exitCode, null, "still draining");

    await locker.query("COMMIT");
    await locker.end();
    const res = await inflight;
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as any).data.epochs.totalCount, 28);
    assert.equal(await exited, 0);
  });
});

async function waitUntil(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
