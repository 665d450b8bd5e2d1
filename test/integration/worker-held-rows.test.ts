/**
 * Due rows another transaction holds (a batch in flight elsewhere, an operator's command, a dead
 * worker's statement the server has not ended yet) are skipped, and the worker does not ask again
 * in a tight loop: it waits a moment on its clock, then applies them once they are free. Driven by
 * a clock whose timers fire only when the test says, so "it waits" is observed, not timed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { DueInstants } from "../../src/app/scheduler-ports.js";
import type { SchedulerClock } from "../../src/worker/scheduler-worker.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { dueBacklog, lifecycleFor, startTestWorker, waitFor } from "../helpers/lifecycle.js";
import { assertOverdueAppliedOnce, insertOverdueEpochs } from "../helpers/overdue-epochs.js";

/** Real readings; timers only recorded, fired by the test. */
function heldClock() {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const clock: SchedulerClock = {
    now: Date.now,
    setTimeout: (fn, ms) => (timers.set(++next, { fn, ms }), next),
    clearTimeout: (h) => void timers.delete(h as number),
  };
  const fireAll = () => {
    const all = [...timers.values()];
    timers.clear();
    for (const t of all) t.fn();
  };
  return { clock, timers, fireAll };
}

describe("scheduler worker and held rows", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  it("skips due rows another transaction holds, waits on its clock instead of spinning, and applies them once free", async () => {
    const backlog = await insertOverdueEpochs(db.prisma, { topics: 1, perTopic: 3 });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    after(() => holder.end().catch(() => {}));
    await holder.query("BEGIN");
    await holder.query("SELECT 1 FROM epoch FOR UPDATE");

    const lc = lifecycleFor(db);
    let asks = 0;
    let rounds = 0;
    const work = {
      dueInstants: (): Promise<DueInstants> => (asks++, lc.scheduler.dueInstants()),
      runDue: (now: number, due: DueInstants, stopping: () => boolean) => (rounds++, lc.scheduler.runDue(now, due, stopping)),
    };
    const { clock, timers, fireAll } = heldClock();
    const worker = await startTestWorker(db, { ...lc, scheduler: work as never }, { clock });
    try {
      await waitFor("the worker waiting on its clock", async () => timers.size > 0);
      assert.deepEqual({ asks, rounds }, { asks: 1, rounds: 1 }, "one round that applied nothing, then a wait: no tight loop");
      assert.ok([...timers.values()].every((t) => t.ms > 0 && t.ms <= 1000), `a short wait (${[...timers.values()].map((t) => t.ms)} ms)`);
      assert.equal(await dueBacklog(db), backlog.count, "the held rows are still due");

      await holder.query("COMMIT");
      fireAll();
      // Free now: the next round applies all four steps of each epoch (the first ones feed the later ones).
      await waitFor("the backlog applied", async () => (await dueBacklog(db)) === 0);
      await assertOverdueAppliedOnce(db.prisma, backlog);
    } finally {
      await worker.stop();
    }
  });
});
