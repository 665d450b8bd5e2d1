/**
 * The ceiling of the query bench: the same SQL through `pg` behind a plain `http` handler, no
 * GraphQL. POST /open-worker-windows with `{}` or `{ "topicId": "<uint64>" }` answers in our API's
 * JSON shape. Named prepared statements, a pool of 10 like the other two servers.
 * Run as a child process: DATABASE_URL and PORT from the environment; prints "listening" when ready.
 */
import http from "node:http";
import pg from "pg";
import { fromStored, toStored } from "../src/db/uint64-column.js";
import { EpochState } from "../src/domain/index.js";
import { OPEN_WORKER_SQL, PAGE_SIZE } from "./open-window-queries.js";

interface Row {
  topic_id: string;
  nonce: string;
  state: number;
  worker_open_at: Date;
  worker_close_at: Date;
}

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
// bigint as text: decoded exactly below.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

async function openWorkerWindows(topicId: string | undefined): Promise<string> {
  const { rows } = topicId === undefined
    ? await pool.query<Row>({ name: "open_worker_global", text: OPEN_WORKER_SQL.global })
    : await pool.query<Row>({ name: "open_worker_topic", text: OPEN_WORKER_SQL.topic, values: [String(toStored(BigInt(topicId)))] });
  const edges = rows.slice(0, PAGE_SIZE).map((r) => ({
    node: {
      topicId: String(fromStored(BigInt(r.topic_id))),
      nonce: String(fromStored(BigInt(r.nonce))),
      state: EpochState[r.state],
      workerWindow: { openAt: r.worker_open_at.toISOString(), closeAt: r.worker_close_at.toISOString() },
    },
  }));
  return JSON.stringify({ data: { openWorkerWindows: { edges, pageInfo: { hasNextPage: rows.length > PAGE_SIZE } } } });
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    if (req.method !== "POST" || req.url !== "/open-worker-windows") {
      res.writeHead(404).end();
      return;
    }
    let topicId: string | undefined;
    try {
      topicId = (JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { topicId?: string }).topicId;
    } catch {
      res.writeHead(400).end();
      return;
    }
    openWorkerWindows(topicId).then(
      (body) => res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body),
      (err: unknown) => {
        console.error(err);
        res.writeHead(500).end();
      },
    );
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    server.close();
    void pool.end().finally(() => process.exit(0));
  });
}
