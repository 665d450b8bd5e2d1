/** Lateness of scheduler transitions from the log: `at − due_at` of each record the scheduler wrote. */
import type pg from "pg";
import { TransitionSource } from "../src/domain/index.js";

export interface Lateness {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

const STATS = `count(*)::int AS n,
  coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), 0)::float8 AS p50,
  coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms), 0)::float8 AS p90,
  coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), 0)::float8 AS p99,
  coalesce(max(ms), 0)::float8 AS max`;

const LATE = `SELECT transition, extract(epoch FROM at - due_at) * 1000 AS ms FROM transition_record
  WHERE source = ${TransitionSource.SCHEDULER} AND due_at >= $1 AND due_at < $2`;

/** Scheduler transitions due in [from, to): all together and per transition. */
export async function latenessBetween(db: Pick<pg.ClientBase, "query">, from: number, to: number): Promise<{ all: Lateness; byTransition: (Lateness & { transition: number })[] }> {
  const range = [new Date(from), new Date(to)];
  const all = (await db.query<Lateness>(`WITH l AS (${LATE}) SELECT ${STATS} FROM l`, range)).rows[0]!;
  const byTransition = (await db.query<Lateness & { transition: number }>(`WITH l AS (${LATE}) SELECT transition, ${STATS} FROM l GROUP BY transition ORDER BY transition`, range)).rows;
  return { all, byTransition };
}

export const ms = (x: number) => `${x.toFixed(1)} ms`;

/**
 * The seconds (of due instant) whose transitions were latest, worst first: a tail made of one or two
 * such seconds is a stall (the host, a checkpoint), one spread over the window is the scheduler's.
 */
export async function worstSeconds(db: Pick<pg.ClientBase, "query">, from: number, to: number, limit = 5): Promise<{ second: Date; n: number; late50: number; max: number }[]> {
  const { rows } = await db.query<{ second: Date; n: number; late50: number; max: number }>(
    `SELECT date_trunc('second', due_at) AS second, count(*)::int AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::float8 AS late50, max(ms)::float8 AS max
     FROM (SELECT due_at, extract(epoch FROM at - due_at) * 1000 AS ms FROM transition_record
           WHERE source = ${TransitionSource.SCHEDULER} AND due_at >= $1 AND due_at < $2) l
     GROUP BY 1 ORDER BY max DESC LIMIT ${limit}`,
    [new Date(from), new Date(to)],
  );
  return rows;
}
