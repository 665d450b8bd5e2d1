/**
 * The epoch listing and count the API serves most (openWorkerWindows, openReputerWindows, epochs)
 * as named prepared statements on `pg` directly: each connection parses and plans a shape once
 * (about 0.5 ms of server CPU per statement otherwise, ten times the execution of an indexed page),
 * and rows skip Prisma's generic result pipeline. Without a pool (tests), the same SQL runs
 * through Prisma. NEWEST_FIRST answers exactly as EpochRepository.list / count (the tests compare).
 *
 * Every order is one instant column then (topic_id, nonce), all in one direction, and each is
 * served by an index (test/integration/index-use.test.ts):
 *   NEWEST_FIRST / OLDEST_FIRST   worker_open_at     epoch_by_state, epoch_by_state_and_topic,
 *                                                    epoch_by_start, epoch_by_topic_start
 *                                                    (OLDEST_FIRST scans them backward)
 *   WORKER_CLOSE_SOONEST          worker_close_at    epoch_by_state_worker_close (its callers
 *                                                    filter on INIT/WORKER_SUBMISSION: per topic,
 *                                                    epoch_by_state_and_topic gives a handful of rows)
 *   REPUTER_CLOSE_SOONEST         reputer_close_at   epoch_by_state_reputer_close,
 *                                                    epoch_by_reputer_close, epoch_by_topic_reputer_close
 * A topicIds filter runs the page per topic (a lateral join, each through its topic's index) and
 * merges the at most |topicIds| × limit rows.
 */
import type pg from "pg";
import type { SortedEpochPage } from "../app/read-model.js";
import type { EpochFilter, EpochRecord, EpochSort } from "../app/records.js";
import type { EpochState } from "../domain/index.js";
import { fromStored, toStored } from "./uint64-column.js";

/** Instants as epoch milliseconds computed by the server: no timestamp text to parse per value. */
const ms = (column: string, as: string) => `round(date_part('epoch', e.${column}) * 1000) AS ${as}`;
/**
 * Output names differ from the columns on purpose: ORDER BY resolves a bare name to an output
 * column first, and `topic_id::text AS topic_id` would sort the ids as text.
 */
const COLUMNS = [
  "e.topic_id::text AS topic_text",
  "e.nonce::text AS nonce_text",
  "e.state",
  ms("worker_open_at", "wo"),
  ms("worker_close_at", "wc"),
  ms("reputer_open_at", "ro"),
  ms("reputer_close_at", "rc"),
  "e.version",
  ms("created_at", "created"),
  ms("updated_at", "updated"),
].join(", ");

type Row = [topicId: string, nonce: string, state: number, wo: number, wc: number, ro: number, rc: number, version: number, created: number, updated: number];

const SORTS: Readonly<Record<EpochSort, { column: string; dir: "ASC" | "DESC"; tag: string }>> = {
  NEWEST_FIRST: { column: "worker_open_at", dir: "DESC", tag: "" },
  OLDEST_FIRST: { column: "worker_open_at", dir: "ASC", tag: "_o" },
  WORKER_CLOSE_SOONEST: { column: "worker_close_at", dir: "ASC", tag: "_w" },
  REPUTER_CLOSE_SOONEST: { column: "reputer_close_at", dir: "ASC", tag: "_r" },
};

interface Statement {
  /**
   * Prepared-statement name for the hot shapes (no topicIds, no time range): a few dozen per
   * connection. Dashboard shapes are planned per call, so clients cannot fill the connections
   * with hundreds of prepared plans.
   */
  readonly name: string | undefined;
  readonly text: string;
  readonly values: unknown[];
}

/** Runs a statement and returns its rows as arrays, columns in select order. */
type Runner = (s: Statement) => Promise<unknown[][]>;

/**
 * Bounds given to the database are clamped to years 1–9999: PostgreSQL refuses year 0 and
 * six-digit years that a DateTime with an offset can reach, and no epoch lies outside.
 */
const [MIN_AT, MAX_AT] = [Date.parse("0001-01-01T00:00:00Z"), Date.parse("9999-12-31T23:59:59.999Z")];
const iso = (at: number) => new Date(Math.min(Math.max(at, MIN_AT), MAX_AT)).toISOString();

/**
 * The conditions for a filter and keyset position. Only the *shape* (which conditions are present)
 * is in the text, so there are a few dozen statements per connection whatever the values.
 */
function conditions(filter: EpochFilter, page: Pick<SortedEpochPage, "after" | "sort">, values: unknown[]): { conds: string[]; tag: string } {
  const conds: string[] = [];
  let tag = "";
  const p = (v: unknown) => param(values, v);
  if (filter.topicId !== undefined) {
    conds.push(`e.topic_id = ${p(String(toStored(filter.topicId)))}::bigint`);
    tag += "_t";
  }
  if (filter.states !== undefined) {
    const states = [...new Set(filter.states)];
    // One state compares with `=` so the planner uses the state-leading indexes directly.
    if (states.length === 1) {
      conds.push(`e.state = ${p(states[0] as EpochState)}::smallint`);
      tag += "_s";
    } else {
      conds.push(`e.state = ANY(${p(states)}::smallint[])`);
      tag += "_ss";
    }
  }
  // A window's range also bounds the other column (worker_open_at ≤ reputer_close_at for every
  // epoch: the reputer window closes GTL + extraLag + EL after the start), so a range on either
  // narrows an index scan in either order.
  // (Shapes with ranges are not prepared: no tag.)
  const ranges: [number | undefined, string][] = [
    [filter.workerOpensAfter, "e.worker_open_at >="],
    [filter.workerOpensBefore, "e.worker_open_at <"],
    [filter.reputerClosesAfter, "e.reputer_close_at >="],
    [filter.reputerClosesBefore, "e.reputer_close_at <"],
    [filter.workerOpensAfter, "e.reputer_close_at >="],
    [filter.reputerClosesBefore, "e.worker_open_at <"],
  ];
  for (const [at, cond] of ranges) if (at !== undefined) conds.push(`${cond} ${p(iso(at))}::timestamptz`);
  if (page.after) {
    const { column, dir } = SORTS[page.sort ?? "NEWEST_FIRST"];
    const a = page.after;
    const [at, t, n] = [p(iso(a.startAt)), p(String(toStored(a.topicId))), p(String(toStored(a.nonce)))];
    conds.push(`(e.${column}, e.topic_id, e.nonce) ${dir === "DESC" ? "<" : ">"} (${at}::timestamptz, ${t}::bigint, ${n}::bigint)`);
    tag += "_a";
  }
  return { conds, tag };
}

export function listStatement(filter: EpochFilter, page: SortedEpochPage): Statement {
  const sort = SORTS[page.sort ?? "NEWEST_FIRST"];
  const values: unknown[] = [];
  const order = (alias: string) => `${alias}.${sort.column} ${sort.dir}, ${alias}.topic_id ${sort.dir}, ${alias}.nonce ${sort.dir}`;
  if (filter.topicIds !== undefined) {
    const ids = param(values, [...new Set(filter.topicIds)].map((id) => String(toStored(id))));
    const { conds, tag } = conditions(filter, page, values);
    const limit = param(values, page.limit);
    const where = ["e.topic_id = k.tid", ...conds].join(" AND ");
    // The outer query re-sorts by the selected instant: `r` exposes it as the raw column again.
    return {
      name: undefined,
      text:
        `SELECT r.topic_text, r.nonce_text, r.state, r.wo, r.wc, r.ro, r.rc, r.version, r.created, r.updated FROM unnest(${ids}::bigint[]) AS k(tid) ` +
        `CROSS JOIN LATERAL (SELECT ${COLUMNS}, e.${sort.column} AS sort_at, e.topic_id, e.nonce FROM epoch e WHERE ${where} ORDER BY ${order("e")} LIMIT ${limit}) r ` +
        `ORDER BY r.sort_at ${sort.dir}, r.topic_id ${sort.dir}, r.nonce ${sort.dir} LIMIT ${limit}`,
      values,
    };
  }
  const { conds, tag } = conditions(filter, page, values);
  const limit = param(values, page.limit);
  return {
    name: prepared(filter) ? `ew_list_epochs${sort.tag}${tag}` : undefined,
    text: `SELECT ${COLUMNS} FROM epoch e ${where(conds)} ORDER BY ${order("e")} LIMIT ${limit}`,
    values,
  };
}

function countStatement(filter: EpochFilter): Statement {
  const values: unknown[] = [];
  const conds: string[] = [];
  if (filter.topicIds !== undefined) {
    conds.push(`e.topic_id = ANY(${param(values, [...new Set(filter.topicIds)].map((id) => String(toStored(id))))}::bigint[])`);
  }
  const more = conditions(filter, {}, values);
  conds.push(...more.conds);
  return { name: prepared(filter) ? `ew_count_epochs${more.tag}` : undefined, text: `SELECT count(*)::text FROM epoch e ${where([...conds])}`, values };
}

function prepared(filter: EpochFilter): boolean {
  const { topicIds, workerOpensAfter, workerOpensBefore, reputerClosesAfter, reputerClosesBefore } = filter;
  return [topicIds, workerOpensAfter, workerOpensBefore, reputerClosesAfter, reputerClosesBefore].every((v) => v === undefined);
}

function param(values: unknown[], v: unknown): string {
  values.push(v);
  return `$${values.length}`;
}

function where(conds: string[]): string {
  return conds.length ? `WHERE ${conds.join(" AND ")}` : "";
}

export class EpochListing {
  private constructor(private readonly run: Runner) {}

  /** Prepared statements on the pool's connections, rows as arrays. */
  static overPool(pool: pg.Pool): EpochListing {
    return new EpochListing(async (s) => (await pool.query<unknown[]>({ ...(s.name ? { name: s.name } : {}), text: s.text, values: s.values, rowMode: "array" })).rows);
  }

  /** In `page.sort` order (newest first by default), keyset after `page.after`. */
  async list(filter: EpochFilter, page: SortedEpochPage): Promise<EpochRecord[]> {
    const rows = await this.run(listStatement(filter, page));
    return rows.map((r) => toRecord(r as Row));
  }

  async count(filter: EpochFilter): Promise<number> {
    const rows = await this.run(countStatement(filter));
    return Number(rows[0]?.[0] ?? 0);
  }
}

function toRecord(r: Row): EpochRecord {
  return {
    topicId: fromStored(BigInt(r[0])),
    nonce: fromStored(BigInt(r[1])),
    state: Number(r[2]) as EpochState,
    windows: { workerOpenAt: Number(r[3]), workerCloseAt: Number(r[4]), reputerOpenAt: Number(r[5]), reputerCloseAt: Number(r[6]) },
    version: Number(r[7]),
    createdAt: new Date(Number(r[8])),
    updatedAt: new Date(Number(r[9])),
  };
}
