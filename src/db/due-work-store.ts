/**
 * The scheduler's database port (DueWorkPort) over the shared pg pool: each batch on a pooled
 * connection, as its own transaction.
 */
import type pg from "pg";
import type { DueInstants, DueTopic, DueWorkPort, PlannedStart, StartBatch } from "../app/scheduler-ports.js";
import type { TransitionLogRecord } from "../app/records.js";
import type { ScheduledStep } from "../domain/index.js";
import * as sql from "./sql/scheduler.js";

export class DueWorkStore implements DueWorkPort {
  constructor(private readonly pool: pg.Pool) {}

  applyDueSteps(step: ScheduledStep, now: number, limit: number): Promise<TransitionLogRecord[]> {
    return sql.applyDueSteps(this.pool, step, now, limit);
  }

  async startDueEpochs(now: number, limit: number, plan: (topic: DueTopic) => PlannedStart): Promise<StartBatch> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // Checked out, between two statements, the connection's loss is an 'error' event with nobody
    // listening (the pool listens only to idle clients): note it, so the client is discarded.
    const onError = (e: Error) => (broken = e);
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const topics = await sql.lockDueTopics(client, now, limit);
      const starts = topics.map(plan);
      const records = await sql.insertStarts(client, starts);
      await client.query("COMMIT");
      return { records, starts };
    } catch (e) {
      // A connection that cannot roll back is not given back to the pool.
      await client.query("ROLLBACK").catch((err: Error) => (broken = err));
      throw e;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  dueInstants(): Promise<DueInstants> {
    return sql.dueInstants(this.pool);
  }
}
