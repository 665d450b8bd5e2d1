/**
 * /metrics against hostile scrapers, on real processes (the API, and a standalone worker's ops port):
 * a scrape flood costs the database one set of COUNT queries per METRICS_DB_REFRESH_MS (counted
 * by `epoch_windows_metrics_db_refreshes_total`, incremented where the queries run), METRICS_TOKEN
 * turns away scrapes without the bearer token, and process / Node.js metrics keep their standard
 * names beside the service's prefixed ones.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "../../src/db/embedded-postgres.js";
import { spawnApi } from "../helpers/api-process.js";
import { spawnTsx } from "../helpers/child-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { dueBacklog } from "../helpers/lifecycle.js";
import { samples } from "../helpers/metrics-text.js";
import { until } from "../helpers/until.js";

const TOKEN = "metrics-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };


async function scrape(url: string, headers: Record<string, string> = auth): Promise<{ status: number; text: string; challenge: string | null }> {
  const res = await fetch(`${url}/metrics`, { headers });
  return { status: res.status, text: await res.text(), challenge: res.headers.get("www-authenticate") };
}

/** Refuses without the exact token; 200 and Prometheus text with it. */
async function assertTokenRequired(url: string): Promise<void> {
  const refused: Record<string, string>[] = [{}, { authorization: "Bearer wrong-token-0123456789abcdef" }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }, { authorization: "Bearer" }];
  for (const headers of refused) {
    const r = await scrape(url, headers);
    assert.equal(r.status, 401, `${JSON.stringify(headers)}: ${r.status}`);
    assert.equal(r.challenge, 'Bearer realm="metrics"');
    assert.doesNotMatch(r.text, /epoch_windows_/, "nothing of the metrics leaks in a refusal");
  }
  const ok = await scrape(url);
  assert.equal(ok.status, 200);
  assert.match(ok.text, /^# HELP /m);
}

describe("hostile scrapers of /metrics (real processes)", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  it("API: a flood of 1,000 scrapes (50 at once) runs the database gauges' queries once per refresh interval", async () => {
    // A refresh interval longer than the test: every scrape after the first is served from memory.
    const api = await spawnApi(db.url, { METRICS_TOKEN: TOKEN, METRICS_DB_REFRESH_MS: "600000", RATE_LIMIT_PER_SECOND: "0" });
    await api.gql(`mutation { createTopic(input: { id: "3", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 60, active: true }) { id } }`);
    const counts = await db.prisma.$queryRaw<{ state: number; n: number }[]>`SELECT state, count(*)::int AS n FROM epoch GROUP BY state`;
    assert.deepEqual(counts, [{ state: 1, n: 1 }], "one epoch, its worker window open");
    // No worker runs in this API process: a periodic start made due stays due, a backlog of exactly one.
    await db.prisma.$executeRaw`UPDATE topic SET next_start_at = now() - interval '1 s' WHERE active`;
    assert.equal(await dueBacklog(db), 1);

    let scrapes = 0;
    const flood = async () => {
      while (scrapes < 1000) {
        scrapes++;
        const r = await scrape(api.url);
        assert.equal(r.status, 200);
      }
    };
    await Promise.all(Array.from({ length: 50 }, flood));
    const text = (await scrape(api.url)).text;
    assert.deepEqual(samples(text, "epoch_windows_metrics_db_refreshes_total"), new Map([["", 1]]), "1,001 scrapes, one refresh");
    // The one refresh read the truth.
    assert.equal(samples(text, "epoch_windows_epochs").get(`{state="WORKER_SUBMISSION"}`), 1);
    assert.equal(samples(text, "epoch_windows_open_windows").get(`{topic="3",kind="WORKER"}`), 1);
    assert.equal(samples(text, "epoch_windows_scheduler_backlog").get(""), 1);
    await api.stop();
  });

  it("API: after the refresh interval the database gauges show what changed", async () => {
    const api = await spawnApi(db.url, { METRICS_DB_REFRESH_MS: "300" });
    const open = async () => samples((await scrape(api.url, {})).text, "epoch_windows_epochs").get(`{state="WORKER_SUBMISSION"}`);
    const before = await open();
    assert.equal(typeof before, "number");
    await api.gql(`mutation { createTopic(input: { id: "4", epochLength: 600, groundTruthLag: 600, workerSubmissionWindow: 60, active: true }) { id } }`);
    // Counted once the throttled reading is refreshed.
    await until("the new epoch's open worker window in the gauge", async () => (await open()) === before! + 1, 15_000);
    await api.stop();
  });

  it("API: without the token /metrics answers 401; process and Node.js metrics have their standard names", async () => {
    const api = await spawnApi(db.url, { METRICS_TOKEN: TOKEN });
    await assertTokenRequired(api.url);
    const { text } = await scrape(api.url);
    for (const name of ["process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds", "nodejs_eventloop_lag_p99_seconds", "nodejs_heap_size_used_bytes"]) {
      assert.ok(samples(text, name).size > 0, `${name} exposed`);
    }
    assert.doesNotMatch(text, /^epoch_windows_(process|nodejs)_/m, "no prefixed copies of the standard metrics");
    for (const name of ["epoch_windows_graphql_request_duration_seconds", "epoch_windows_epochs", "epoch_windows_live_subscriptions", "epoch_windows_metrics_db_refreshes_total"]) {
      assert.ok(text.includes(`# TYPE ${name} `), `${name} keeps its prefix`);
    }
    // Other routes are unaffected by the metrics token.
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
    await api.stop();
  });

  it("API without METRICS_TOKEN: /metrics stays open", async () => {
    const api = await spawnApi(db.url);
    assert.equal((await scrape(api.url, {})).status, 200);
    await api.stop();
  });

  it("standalone worker: the ops port's /metrics needs the token too, and its database gauges are throttled", async () => {
    const port = await freePort();
    const { child, signal } = spawnTsx(path.resolve(import.meta.dirname, "../../src/bin/worker.ts"), {
      DATABASE_URL: db.url, WORKER_PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_ENV: "production", AUTH_DISABLED: "true",
      METRICS_TOKEN: TOKEN, METRICS_DB_REFRESH_MS: "600000",
    });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (/scheduler worker \S+ running/.test(out)) resolve();
      });
      child.once("exit", (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
    });
    const url = `http://127.0.0.1:${port}`;
    await assertTokenRequired(url);
    await Promise.all(Array.from({ length: 200 }, () => scrape(url).then((r) => assert.equal(r.status, 200))));
    const { text } = await scrape(url);
    assert.deepEqual(samples(text, "epoch_windows_metrics_db_refreshes_total"), new Map([["", 1]]));
    assert.ok(samples(text, "process_resident_memory_bytes").size > 0);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    await signal("SIGTERM");
  });
});
