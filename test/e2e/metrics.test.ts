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
import { until } from "../helpers/until.js";

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
    const logged = () => db.prisma.$queryRaw<{ transition: number; source: number; n: number }[]>`
      SELECT transition, source, count(*)::int AS n FROM transition_record WHERE topic_id = ${toStored(3n)} GROUP BY 1, 2`;
    // A few epochs start, the first ones complete.
    await until("two completed epochs", async () => (await logged()).some((r) => r.transition === 4 && r.n >= 2), 20_000);
    await api.gql(`mutation { deactivateTopic(id: "3") { active } }`);

    // Deactivation cancelled the live epochs, so the log is final; a step that committed just
    // before is counted once its commit returns.
    const rows = await logged();
    const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
    let text = "";
    await until("the metrics count every logged transition", async () => {
      text = await (await fetch(`${api.url}/metrics`)).text();
      return sum(samples(text, "epoch_windows_transitions_total").values()) === sum(rows.map((r) => r.n));
    }, 10_000);
    const counted = samples(text, "epoch_windows_transitions_total");
    for (const r of rows) {
      const key = `{transition="${NAMES[r.transition]}",source="${SOURCES[r.source]}"}`;
      assert.equal(counted.get(key), r.n, `${key}: metrics ${counted.get(key)} vs log ${r.n}`);
    }
    assert.equal(counted.size, rows.length, "no transition counted that is not in the log");
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
    await until("a catch-up start", async () => (await missed()) > 0, 20_000);
    await api.gql(`mutation { deactivateTopic(id: "4") { active } }`);
    const counter = samples(await (await fetch(`${api.url}/metrics`)).text(), "epoch_windows_missed_starts_total");
    assert.deepEqual([...counter.entries()], [["", await missed()]], "the counter (no labels) counts what the topics record");
    const topic4 = await api.gql(`{ topic(id: "4") { missedStarts } }`);
    const [stored] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT missed_starts::int AS n FROM topic WHERE id = ${toStored(4n)}`;
    assert.equal(topic4.topic.missedStarts, stored!.n, "the topic shows what it records");
    // Both topics are inactive and their epochs cancelled: nothing is due, and the gauge says so.
    assert.equal(await dueBacklog(db), 0);
    await waitFor("the backlog gauge at 0", async () => samples(await (await fetch(`${api.url}/metrics`)).text(), "epoch_windows_scheduler_backlog").get("") === 0);

    // The database goes away: readiness turns 503 (liveness stays up).
    await db.prisma.$disconnect();
    await dropDatabase(process.env.TEST_ADMIN_URL!, db.name);
    dropped = true;
    await until("/readyz answers 503", async () => (await fetch(`${api.url}/readyz`)).status === 503, 15_000);
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200, "liveness does not depend on the database");
    // Requests meanwhile get a retryable, typed error.
    const res = await fetch(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ openWorkerWindows { totalCount } }" }) });
    const body = (await res.json()) as { errors?: { message: string; extensions: { code: string } }[] };
    assert.equal(body.errors?.[0]?.extensions.code, "SERVICE_UNAVAILABLE", JSON.stringify(body));
    await api.stop();
  });
});
