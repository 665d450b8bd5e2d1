/**
 * 10,000+ generated hostile requests against real API processes (src/bin/api.ts; test/fixtures/
 * hostile-corpus.ts): no crash, no 5xx, no logged internal error, every error carries a code, and
 * the mutation part leaves every table byte-for-byte unchanged. HOSTILE_SEED=<n> replays one corpus.
 * The server runs in its own process, so client and server use both cores.
 */
import "reflect-metadata";
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { buildApiSchema } from "../../src/graphql/schema.js";
import { hostileCorpus, type HostileRequest } from "../fixtures/hostile-corpus.js";
import { spawnApi, type ApiProcess } from "../helpers/api-process.js";
import { API_KEYS, OPERATOR_KEY, bearer } from "../helpers/credentials.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { seedEpochs } from "../helpers/seed-epochs.js";

const SEED = Number(process.env.HOSTILE_SEED ?? 20_260_806);
const CONCURRENCY = 16;

/** md5 of every row of every table outside the system schemas, in a fixed order. */
async function checksum(db: TestDatabase): Promise<Record<string, string>> {
  const tables = await db.prisma.$queryRawUnsafe<{ t: string }[]>(
    `SELECT format('%I.%I', table_schema, table_name) AS t FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [row] = await db.prisma.$queryRawUnsafe<{ md5: string; n: bigint }[]>(
      `SELECT md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) AS md5, count(*) AS n FROM ${t} r`,
    );
    out[t] = `${row!.n}:${row!.md5}`;
  }
  return out;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** node:http with keep-alive: several times cheaper per request than fetch on a busy 2-core box. */
function send(base: string, r: HostileRequest, headers: Record<string, string>, reuse = true): Promise<{ status: number; text: string }> {
  const url = new URL(r.method === "GET" ? `/graphql?${r.body as string}` : "/graphql", base);
  const body = r.method === "POST" ? Buffer.from(r.body) : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: r.method,
        agent: reuse ? agent : false,
        headers: {
          ...(r.method === "GET" ? { "apollo-require-preflight": "1" } : { "content-length": String(body!.length) }),
          ...(r.contentType ? { "content-type": r.contentType } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Outcome {
  readonly statuses: Map<number, number>;
  readonly codes: Map<string, number>;
  readonly problems: string[];
}

async function fire(api: { url: string }, requests: HostileRequest[], headers: Record<string, string> = {}): Promise<Outcome> {
  const outcome: Outcome = { statuses: new Map(), codes: new Map(), problems: [] };
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      const res = await send(api.url, r, headers).catch(() => send(api.url, r, headers, false));
      const text = res.text;
      outcome.statuses.set(res.status, (outcome.statuses.get(res.status) ?? 0) + 1);
      const problem = (what: string) => outcome.problems.length < 20 && outcome.problems.push(`${r.kind} ${res.status} ${what}: ${String(r.body).slice(0, 200)} -> ${text.slice(0, 300)}`);
      if (res.status >= 500) problem("5xx");
      let body: any;
      try {
        body = JSON.parse(text);
      } catch {
        problem("not JSON");
        continue;
      }
      if (res.status >= 400 && !body?.errors?.length) problem("error status without errors");
      if (body?.data && !body.errors && /"mutation/.test(String(r.body))) problem("a mutation succeeded");
      for (const e of body?.errors ?? []) {
        const code = e?.extensions?.code;
        if (typeof code !== "string") problem("error without a code");
        outcome.codes.set(code, (outcome.codes.get(code) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcome;
}

/** Logged lines at level error or above (pino JSON on stdout): internal errors the client never saw. */
function errorLines(p: ApiProcess): string[] {
  const lines: string[] = [];
  let rest = "";
  p.child.stdout!.on("data", (chunk: Buffer) => {
    const parts = (rest + chunk.toString("utf8")).split("\n");
    rest = parts.pop()!;
    for (const line of parts) {
      try {
        if (JSON.parse(line).level >= 50) lines.push(line.slice(0, 500));
      } catch {
        lines.push(line.slice(0, 500));
      }
    }
  });
  return lines;
}

// ≈ 25 s of requests on a quiet machine; generous for a loaded one (CI shares 2 cores with PostgreSQL).
describe("hostile input (e2e, generated)", { timeout: 600_000 }, () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let guarded: ApiProcess;
  let apiErrors: string[];
  let guardedErrors: string[];
  let corpus: ReturnType<typeof hostileCorpus>;
  before(async () => {
    db = await createTestDatabase();
    await seedEpochs(db.prisma);
  });
  after(async () => {
    agent.destroy();
    await db?.close();
  });

  it("two API processes (auth off; API keys) under 10,000+ generated requests", async (t) => {
    // spawnApi registers its cleanup in the calling test, so the parts below are its subtests.
    const env = { RATE_LIMIT_BURST: "0", LOG_LEVEL: "warn" };
    [api, guarded] = await Promise.all([
      spawnApi(db.url, env),
      spawnApi(db.url, { ...env, API_KEYS: API_KEYS.map((k) => `${k.role}:${k.sha256}`).join(",") }),
    ]);
    apiErrors = errorLines(api);
    guardedErrors = errorLines(guarded);
    corpus = hostileCorpus(await buildApiSchema(), SEED, { queries: 2600, variables: 1500, raw: 1300, get: 400, mutations: 3700, notFound: 600 });
    const all = [...corpus.queries, ...corpus.mutations];
    assert.ok(all.length >= 10_000, String(all.length));
    assert.ok(new Set(all.map((r) => `${r.method} ${r.contentType} ${Buffer.from(r.body).toString("base64")}`)).size >= 9000);

    await t.test(`queries, variables, raw bodies and GETs (seed ${SEED}): no 5xx, every error coded`, async () => {
      const started = Date.now();
      const out = await fire(api, corpus.queries);
      const total = [...out.statuses.values()].reduce((a, b) => a + b, 0);
      console.log(`hostile queries: ${total} requests in ${Date.now() - started} ms; statuses ${JSON.stringify(Object.fromEntries(out.statuses))}; codes ${JSON.stringify(Object.fromEntries(out.codes))}`);
      assert.equal(total, corpus.queries.length);
      assert.deepEqual(out.problems, []);
      assert.equal(api.child.exitCode, null, "the API process is alive");
      assert.deepEqual(apiErrors, [], "no request reached an internal error");
    });

    await t.test("poisoned and misdirected mutations (as an operator too) leave every table byte-for-byte unchanged", async () => {
      const started = Date.now();
      const before = await checksum(db);
      // Shuffled by the generator: each slice mixes poisoned and not-found mutations.
      const anonymous = await fire(api, corpus.mutations.slice(0, 2700));
      const operator = await fire(guarded, corpus.mutations.slice(2700, 3800), bearer(OPERATOR_KEY));
      const stranger = await fire(guarded, corpus.mutations.slice(3800), bearer("not-a-key"));
      console.log(`hostile mutations: ${corpus.mutations.length} requests in ${Date.now() - started} ms; codes ${JSON.stringify(Object.fromEntries(anonymous.codes))}; as operator ${JSON.stringify(Object.fromEntries(operator.codes))}`);
      assert.deepEqual([...anonymous.problems, ...operator.problems, ...stranger.problems], []);
      assert.deepEqual([...stranger.codes.keys()], ["UNAUTHENTICATED"]);
      assert.deepEqual(await checksum(db), before);
      assert.deepEqual([...apiErrors, ...guardedErrors], []);
      // …and both processes are alive and still serve.
      assert.equal((await api.gql(`{ topics { totalCount } }`)).topics.totalCount, 5);
      assert.equal((await guarded.gql(`{ topics { totalCount } }`)).topics.totalCount, 5);
      await Promise.all([api.stop(), guarded.stop()]);
      assert.deepEqual([api.child.exitCode, guarded.child.exitCode], [0, 0]);
    });
  });
});
