/**
 * The epoch table's statements: single-epoch reads, locks and inserts, batched reads for nested
 * GraphQL fields, and the listings and counts the API serves most (openWorkerWindows,
 * openReputerWindows, epochs). One select list, one filter builder, one row mapper.
 *
 * Listing orders are one instant column then (topic_id, nonce), all in one direction, and each is
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
import type { SortedEpochPage } from "../../app/read-model.js";
import type { EpochFilter, EpochKey, EpochPosition, EpochRecord, EpochSort } from "../../app/records.js";
import { EpochState, LIVE_STATES, type EpochWindows } from "../../domain/index.js";
import { epochLockKey } from "../epoch-lock.js";
import { Params, selectList, where, type Column, type Int8, type Statement } from "./statement.js";
import { boundText, storedText, uint64Of, writtenInstant } from "./values.js";

/**
 * Output names differ from the columns on purpose: ORDER BY resolves a bare name to an output
 * column first, and `topic_id::text AS topic_id` would sort the ids as text.
 */
const EPOCH_COLUMNS: readonly Column[] = [
  { column: "topic_id", as: "topic_text", read: "text" },
  { column: "nonce", as: "nonce_text", read: "text" },
  "state",
  { column: "worker_open_at", as: "wo", read: "ms" },
  { column: "worker_close_at", as: "wc", read: "ms" },
  { column: "reputer_open_at", as: "ro", read: "ms" },
  { column: "reputer_close_at", as: "rc", read: "ms" },
  "version",
  { column: "created_at", as: "created", read: "ms" },
  { column: "updated_at", as: "updated", read: "ms" },
];

/** The epoch's select list over alias `alias` (every statement here names the table `e`). */
export const epochColumns = (alias = "e") => selectList(alias, EPOCH_COLUMNS);

export interface EpochRow {
  topic_text: string;
  nonce_text: string;
  state: number;
  wo: number;
  wc: number;
  ro: number;
  rc: number;
  version: number;
  created: number;
  updated: number;
}

export function toEpochRecord(r: EpochRow): EpochRecord {
  return {
    topicId: uint64Of(r.topic_text),
    nonce: uint64Of(r.nonce_text),
    state: Number(r.state) as EpochState,
    windows: { workerOpenAt: Number(r.wo), workerCloseAt: Number(r.wc), reputerOpenAt: Number(r.ro), reputerCloseAt: Number(r.rc) },
    version: Number(r.version),
    createdAt: new Date(Number(r.created)),
    updatedAt: new Date(Number(r.updated)),
  };
}

export interface EpochKeyRow {
  topic_text: string;
  nonce_text: string;
}

export const toEpochKey = (r: EpochKeyRow): EpochKey => ({ topicId: uint64Of(r.topic_text), nonce: uint64Of(r.nonce_text) });

const KEY_COLUMNS = "e.topic_id::text AS topic_text, e.nonce::text AS nonce_text";

// --- single epochs -------------------------------------------------------------------------------

/** The epoch's advisory lock until the transaction ends (see EpochRepository.get). */
export function lockEpoch(key: EpochKey): Statement<unknown> {
  return { text: "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", values: [epochLockKey(key)] };
}

export function getEpoch(key: EpochKey, forUpdate: boolean): Statement<EpochRow> {
  return {
    text: `SELECT ${epochColumns()} FROM epoch e WHERE e.topic_id = $1::bigint AND e.nonce = $2::bigint${forUpdate ? " FOR UPDATE" : ""}`,
    values: [storedText(key.topicId), storedText(key.nonce)],
  };
}

export function insertEpoch(epoch: EpochKey & { state: EpochState; windows: EpochWindows }): Statement<EpochRow> {
  const w = epoch.windows;
  return {
    text: `INSERT INTO epoch AS e (topic_id, nonce, state, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at)
           VALUES ($1::bigint, $2::bigint, $3::smallint, $4::timestamptz, $5::timestamptz, $6::timestamptz, $7::timestamptz)
           RETURNING ${epochColumns()}`,
    values: [
      storedText(epoch.topicId),
      storedText(epoch.nonce),
      epoch.state,
      writtenInstant(w.workerOpenAt),
      writtenInstant(w.workerCloseAt),
      writtenInstant(w.reputerOpenAt),
      writtenInstant(w.reputerCloseAt),
    ],
  };
}

/** The given epochs as two parallel arrays for `unnest($a::bigint[], $b::bigint[])`. */
export function keyArrays(keys: readonly EpochKey[]): [string[], string[]] {
  return [keys.map((k) => storedText(k.topicId)), keys.map((k) => storedText(k.nonce))];
}

/** Several epochs in one statement (for batching nested GraphQL fields), in no particular order. */
export function getEpochs(keys: readonly EpochKey[]): Statement<EpochRow> {
  return {
    text: `SELECT ${epochColumns()} FROM epoch e WHERE (e.topic_id, e.nonce) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))`,
    values: keyArrays(keys),
  };
}

/**
 * Of the given epochs, those in REPUTER_SUBMISSION with an older epoch of the same topic (earlier
 * start, or the same start and a smaller nonce) also in REPUTER_SUBMISSION. One probe of
 * epoch_by_state_and_topic per key.
 */
export function reputerOverlaps(keys: readonly EpochKey[]): Statement<EpochKeyRow> {
  const open = EpochState.REPUTER_SUBMISSION;
  return {
    text: `SELECT ${KEY_COLUMNS} FROM epoch e
           WHERE (e.topic_id, e.nonce) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))
             AND e.state = ${open}
             AND EXISTS (
               SELECT 1 FROM epoch o
               WHERE o.state = ${open} AND o.topic_id = e.topic_id
                 AND (o.worker_open_at, o.nonce) < (e.worker_open_at, e.nonce))`,
    values: keyArrays(keys),
  };
}

/** Keys of the topic's epochs that are not finished (LIVE_STATES), by nonce. */
export function liveKeys(topicId: bigint): Statement<EpochKeyRow> {
  return {
    text: `SELECT ${KEY_COLUMNS} FROM epoch e WHERE e.topic_id = $1::bigint AND e.state IN (${LIVE_STATES.join(", ")}) ORDER BY e.nonce`,
    values: [storedText(topicId)],
  };
}

// --- listings and counts -------------------------------------------------------------------------

const SORTS: Readonly<Record<EpochSort, { column: string; dir: "ASC" | "DESC"; tag: string }>> = {
  NEWEST_FIRST: { column: "worker_open_at", dir: "DESC", tag: "" },
  OLDEST_FIRST: { column: "worker_open_at", dir: "ASC", tag: "_o" },
  WORKER_CLOSE_SOONEST: { column: "worker_close_at", dir: "ASC", tag: "_w" },
  REPUTER_CLOSE_SOONEST: { column: "reputer_close_at", dir: "ASC", tag: "_r" },
};

const orderBy = (alias: string, sort: EpochSort | undefined) => {
  const { column, dir } = SORTS[sort ?? "NEWEST_FIRST"];
  return `${alias}.${column} ${dir}, ${alias}.topic_id ${dir}, ${alias}.nonce ${dir}`;
};

/**
 * The conditions (on alias `e`) for a filter's topicId, states and ranges and a keyset position:
 * the one filter builder. Only the *shape* (which conditions are present) is in the text, so there
 * are a few dozen statements per connection whatever the values; `tag` names the shape.
 * (topicIds is each caller's own: an ANY or a lateral join.)
 */
function conditions(filter: EpochFilter, page: { after?: EpochPosition; sort?: EpochSort }, p: Params): { conds: string[]; tag: string } {
  const conds: string[] = [];
  let tag = "";
  if (filter.topicId !== undefined) {
    conds.push(`e.topic_id = ${p.add(storedText(filter.topicId))}::bigint`);
    tag += "_t";
  }
  if (filter.states !== undefined) {
    const states = [...new Set(filter.states)];
    // One state compares with `=` so the planner uses the state-leading indexes directly.
    if (states.length === 1) {
      conds.push(`e.state = ${p.add(states[0])}::smallint`);
      tag += "_s";
    } else {
      conds.push(`e.state = ANY(${p.add(states)}::smallint[])`);
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
  for (const [at, cond] of ranges) if (at !== undefined) conds.push(`${cond} ${p.add(boundText(at))}::timestamptz`);
  if (page.after) {
    const { column, dir } = SORTS[page.sort ?? "NEWEST_FIRST"];
    const a = page.after;
    const [at, t, n] = [p.add(boundText(a.startAt)), p.add(storedText(a.topicId)), p.add(storedText(a.nonce))];
    conds.push(`(e.${column}, e.topic_id, e.nonce) ${dir === "DESC" ? "<" : ">"} (${at}::timestamptz, ${t}::bigint, ${n}::bigint)`);
    tag += "_a";
  }
  return { conds, tag };
}

/**
 * Hot shapes (no topicIds, no time range) are prepared: a few dozen per connection. Dashboard
 * shapes are planned per call, so clients cannot fill the connections with hundreds of plans.
 */
function prepared(filter: EpochFilter): boolean {
  const { topicIds, workerOpensAfter, workerOpensBefore, reputerClosesAfter, reputerClosesBefore } = filter;
  return [topicIds, workerOpensAfter, workerOpensBefore, reputerClosesAfter, reputerClosesBefore].every((v) => v === undefined);
}

const topicIdArray = (ids: readonly bigint[]) => [...new Set(ids)].map(storedText);

/** Each topic's first `limit` rows in `sort` order: `extra` columns are selected alongside. */
function perTopicPage(ids: string, conds: string[], sort: EpochSort | undefined, limit: string, extra = ""): string {
  return (
    `FROM unnest(${ids}::bigint[]) AS k(tid) ` +
    `CROSS JOIN LATERAL (SELECT ${epochColumns()}${extra} FROM epoch e WHERE ${["e.topic_id = k.tid", ...conds].join(" AND ")} ` +
    `ORDER BY ${orderBy("e", sort)} LIMIT ${limit}) r`
  );
}

const ROW_OF_R = "r.topic_text, r.nonce_text, r.state, r.wo, r.wc, r.ro, r.rc, r.version, r.created, r.updated";

/** In `page.sort` order (newest first by default), keyset after `page.after`. */
export function listStatement(filter: EpochFilter, page: SortedEpochPage): Statement<EpochRow> {
  const p = new Params();
  if (filter.topicIds !== undefined) {
    const { dir, column } = SORTS[page.sort ?? "NEWEST_FIRST"];
    const ids = p.add(topicIdArray(filter.topicIds));
    const { conds } = conditions(filter, page, p);
    const limit = p.add(page.limit);
    // The outer query re-sorts by the selected instant: `r` exposes it as the raw column again.
    return {
      text:
        `SELECT ${ROW_OF_R} ${perTopicPage(ids, conds, page.sort, limit, `, e.${column} AS sort_at, e.topic_id, e.nonce`)} ` +
        `ORDER BY r.sort_at ${dir}, r.topic_id ${dir}, r.nonce ${dir} LIMIT ${limit}`,
      values: p.values,
    };
  }
  const { conds, tag } = conditions(filter, page, p);
  const limit = p.add(page.limit);
  return {
    name: prepared(filter) ? `ew_list_epochs${SORTS[page.sort ?? "NEWEST_FIRST"].tag}${tag}` : undefined,
    text: `SELECT ${epochColumns()} FROM epoch e ${where(conds)} ORDER BY ${orderBy("e", page.sort)} LIMIT ${limit}`,
    values: p.values,
  };
}

export function countStatement(filter: EpochFilter): Statement<{ n: Int8 }> {
  const p = new Params();
  const conds: string[] = [];
  if (filter.topicIds !== undefined) conds.push(`e.topic_id = ANY(${p.add(topicIdArray(filter.topicIds))}::bigint[])`);
  const more = conditions(filter, {}, p);
  return {
    name: prepared(filter) ? `ew_count_epochs${more.tag}` : undefined,
    text: `SELECT count(*) AS n FROM epoch e ${where([...conds, ...more.conds])}`,
    values: p.values,
  };
}

/** The first `limit` epochs of each topic, newest first, after an optional position (no overall limit). */
export function listForTopics(topicIds: readonly bigint[], states: readonly EpochState[] | undefined, page: { after?: EpochPosition; limit: number }): Statement<EpochRow> {
  const p = new Params();
  const ids = p.add(topicIds.map(storedText));
  const { conds } = conditions({ states }, page, p);
  return { text: `SELECT ${ROW_OF_R} ${perTopicPage(ids, conds, undefined, p.add(page.limit))}`, values: p.values };
}

/** Epoch counts per topic (topics without matching epochs are absent). */
export function countForTopics(topicIds: readonly bigint[], states: readonly EpochState[] | undefined): Statement<{ topic_text: string; n: Int8 }> {
  const p = new Params();
  const conds = [`e.topic_id = ANY(${p.add(topicIds.map(storedText))}::bigint[])`, ...conditions({ states }, {}, p).conds];
  return { text: `SELECT e.topic_id::text AS topic_text, count(*) AS n FROM epoch e ${where(conds)} GROUP BY e.topic_id`, values: p.values };
}

/** Epoch counts per state, of one topic or of all. */
export function countByState(topicId?: bigint): Statement<{ state: number; n: Int8 }> {
  const p = new Params();
  const conds = topicId === undefined ? [] : [`e.topic_id = ${p.add(storedText(topicId))}::bigint`];
  return { text: `SELECT e.state, count(*) AS n FROM epoch e ${where(conds)} GROUP BY e.state`, values: p.values };
}
