/**
 * Operability against a real API process with its in-process worker: after a short lifecycle,
 * /metrics counts exactly the transitions in the log (by transition and source) and observed the
 * scheduler's lateness, counts the periodic starts a late start skipped, and its scheduler backlog
 * reads what is due; /readyz turns 503 when the database goes away.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { dropDatabase } from "../../src/db/admin.js";
import { toStored } from "../../src/db/uint64-column.js";
import { spawnApi } from "../helpers/api-process.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { dueBacklog, waitFor } from "../helpers/lifecycle.js";
import { samples } from "../helpers/metrics-text.js";

const NAMES = ["OPEN_WORKER_WINDOW", "CLOSE_WORKER_WINDOW", "OPEN_REPUTER_WINDOW", "CLOSE_REPUTER_WINDOW", "COMPLETE", "CANCEL"];
const SOURCES = ["SCHEDULER", "API"];


describe("metrics and readiness (real process)", { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let dropped = false;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    if (!dropped) await db.close();
    else await db.prisma.$disconnect().catch(() => {});
  });

  it("counts every committed transition and goes unready without its database", async () => {
    const api = await spawnApi(db.url, { RUN_WORKER: "true", METRICS_DB_REFRESH_MS: "200" });
    await api.gql(`mutation { createTopic(input: { id: "3", epochLength: 1, groundTruthLag: 1, workerSubmissionWindow: 1, active: true }) { id } }`);
    const completes = async () => (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM transition_record WHERE topic_id = ${toStored(3n)} AND transition = 4`)[0]!.n;
    await waitFor("a few epochs completed", async () => (await completes()) >= 2, 30_000);
    await api.gql(`mutation { deactivateTopic(id: "3") { active } }`); // cancels the epochs in flight

    const rows = await db.prisma.$queryRaw<{ transition: number; source: number; n: number }[]>`
      SELECT transition, source, count(*)::int AS n FROM transition_record WHERE topic_id = ${toStored(3n)} GROUP BY 1, 2`;
    const logged = rows.reduce((a, r) => a + r.n, 0);
    // Counted once its batch committed: wait for the counters to catch up with the log, then compare exactly.
    const text = await waitFor("every logged transition counted", async () => {
      const t = await (await fetch(`${api.url}/metrics`)).text();
      return [...samples(t, "epoch_windows_transitions_total").values()].reduce((a, b) => a + b, 0) >= logged && t;
    });
    const counted = samples(text, "epoch_windows_transitions_total");
    for (const r of rows) {
      const key = `{transition="${NAMES[r.transition]}",source="${SOURCES[r.source]}"}`;
      assert.equal(counted.get(key), r.n, `${key}: metrics ${counted.get(key)} vs log ${r.n}`);
    }
    const total = [...counted.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, rows.reduce((a, r) => a + r.n, 0), "no transition counted that is not in the log");
    const scheduled = rows.filter((r) => r.source === 0).reduce((a, r) => a + r.n, 0);
    const lateness = samples(text, "epoch_windows_scheduler_lateness_seconds_count");
    assert.equal([...lateness.values()].reduce((a, b) => a + b, 0), scheduled, "lateness observed once per scheduled transition");
    assert.ok(samples(text, "epoch_windows_graphql_request_duration_seconds_count").size > 0);
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);

    // Downtime of a topic's periodic start: its schedule is moved 6 s (three periods) into the past,
    // as if no worker had run since. The start runs late: it starts now, re-anchors and counts the
    // periods it skipped, on the topic and in the metric.
    await api.gql(`mutation { createTopic(input: { id: "4", epochLength: 2, groundTruthLag: 2, workerSubmissionWindow: 1, active: true }) { id } }`);
    const held = await db.prisma.$executeRaw`
      UPDATE topic SET activated_at = activated_at - interval '6 s', next_start_at = next_start_at - interval '6 s'
      WHERE id = ${toStored(4n)} AND next_start_at > now()`;
    assert.equal(held, 1, "the periodic start was not due yet");
    const missed = async () => (await db.prisma.$queryRaw<{ n: number }[]>`SELECT coalesce(sum(missed_starts), 0)::int AS n FROM topic`)[0]!.n;
    for (const deadline = Date.now() + 20_000; (await missed()) === 0; ) {
      assert.ok(Date.now() < deadline, "no catch-up start within 20 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    await api.gql(`mutation { deactivateTopic(id: "4") { active } }`);
    const counter = samples(await (await fetch(`${api.url}/metrics`)).text(), "epoch_windows_missed_starts_total");
    assert.deepEqual([...counter.entries()], [["", await missed()]], "the counter (no labels) counts what the topics record");
    const topic4 = await api.gql(`{ topic(id: "4") { missedStarts } }`);
    assert.ok(topic4.topic.missedStarts >= 1);
    // Both topics are inactive and their epochs cancelled: nothing is due, and the gauge says so.
    assert.equal(await dueBacklog(db), 0);
    await waitFor("the backlog gauge at 0", async () => samples(await (await fetch(`${api.url}/metrics`)).text(), "epoch_windows_scheduler_backlog").get("") === 0);

    // The database goes away: readiness turns 503 (liveness stays up).
    await db.prisma.$disconnect();
    await dropDatabase(process.env.TEST_ADMIN_URL!, db.name);
    dropped = true;
    const deadline = Date.now() + 15_000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await fetch(`${api.url}/readyz`)).status;
      if (status === 503) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 503);
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200, "liveness does not depend on the database");
    // Requests meanwhile get a retryable, typed error.
    const res = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ openWorkerWindows { totalCount } }" }) });
    const body = (await res.json()) as { errors?: { message: string; extensions: { code: string } }[] };
    assert.equal(body.errors?.[0]?.extensions.code, "SERVICE_UNAVAILABLE", JSON.stringify(body));
    await api.stop();
  });
});
