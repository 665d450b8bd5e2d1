/**
 * Request logging: one JSON access line per GraphQL request with its request id (a sane client
 * X-Request-Id is kept and echoed, otherwise one is made) and operation name, and the same two
 * fields on every other line logged while serving it — here an unexpected resolver error.
 */
import "reflect-metadata";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { PrismaReadModel } from "../../src/db/read-model.js";
import { createApiServer } from "../../src/graphql/server.js";
import { requestLogFields } from "../../src/observability/request-context.js";
import { spawnApi } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

type Line = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no log line: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("request logs", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  it("a real API process writes one JSON line per request with its id and operation", async () => {
    const api = await spawnApi(db.url, { LOG_LEVEL: "info" });
    const lines: Line[] = [];
    let partial = "";
    api.child.stdout!.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop()!;
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Line);
    });
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const access = (reqId: string) => () => lines.find((l) => l.msg === "graphql request" && l.reqId === reqId);

    // A named query with the caller's id: kept, echoed, logged with the operation and its type.
    const named = await post(JSON.stringify({ query: "query OpenWindows { openWorkerWindows { totalCount } }" }), { "x-request-id": "trace-42.a" });
    assert.equal(named.status, 200);
    assert.equal(named.headers.get("x-request-id"), "trace-42.a");
    const a = await waitFor(access("trace-42.a"), "named query");
    assert.equal(a.operation, "OpenWindows");
    assert.equal(a.type, "query");
    assert.equal(a.status, 200);
    assert.equal(a.level, 30);
    assert.equal(typeof a.durationMs, "number");
    assert.equal(a.errors, undefined);

    // An anonymous query with a bad argument and an unusable client id: a fresh id, the error code.
    const bad = await post(JSON.stringify({ query: '{ topic(id: "-1") { id } }' }), { "x-request-id": "no spaces allowed" });
    const badId = bad.headers.get("x-request-id")!;
    assert.match(badId, UUID);
    const b = await waitFor(access(badId), "anonymous query with a bad argument");
    assert.equal(b.operation, "anonymous");
    assert.deepEqual(b.errors, ["BAD_USER_INPUT"]);

    // A body that is not JSON never reaches GraphQL, and is still logged.
    const broken = await post("{ not json");
    assert.equal(broken.status, 400);
    const c = await waitFor(access(broken.headers.get("x-request-id")!), "broken JSON body");
    assert.equal(c.operation, "unknown");
    assert.equal(c.status, 400);

    // Every request got exactly one access line.
    for (const id of ["trace-42.a", badId]) assert.equal(lines.filter((l) => l.msg === "graphql request" && l.reqId === id).length, 1);
  });

  it("an unexpected error logged while serving a request carries that request's id and operation", async () => {
    const lines: Line[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const p of chunk.toString().split("\n")) if (p.trim()) lines.push(JSON.parse(p) as Line);
        done();
      },
    });
    const readModel = new PrismaReadModel(db.prisma, db.pool);
    readModel.countEpochs = async () => {
      throw new Error("disk on fire");
    };
    const server = await createApiServer({ config: { NODE_ENV: "production" }, readModel, logger: pino({ level: "info", mixin: requestLogFields }, sink) });
    const { port } = await server.start(0, "127.0.0.1");
    after(() => server.stop());
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-7" },
      body: JSON.stringify({ query: "query Count { openWorkerWindows { totalCount } }", operationName: "Count" }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    assert.equal(body.errors[0]!.extensions.code, "INTERNAL_SERVER_ERROR");
    assert.doesNotMatch(body.errors[0]!.message, /disk on fire/);
    const errorLine = await waitFor(() => lines.find((l) => l.level === 50), "error line");
    assert.equal(errorLine.reqId, "req-7");
    assert.equal(errorLine.operation, "Count");
    assert.match(JSON.stringify(errorLine.err), /disk on fire/);
    const accessLine = await waitFor(() => lines.find((l) => l.msg === "graphql request"), "access line");
    assert.equal(accessLine.reqId, "req-7");
    assert.deepEqual(accessLine.errors, ["INTERNAL_SERVER_ERROR"]);
  });
});
