/**
 * The epoch listing and count the API serves most (openWorkerWindows, openReputerWindows, epochs)
 * on `pg` directly, as named prepared statements: each connection parses and plans a shape once
 * (about 0.5 ms of server CPU per statement otherwise, ten times the execution of an indexed page),
 * and rows skip Prisma's generic result pipeline. Same SQL, order and encodings as
 * EpochRepository.list / count, which the tests compare it with.
 */
import type pg from "pg";
import type { EpochPage } from "../app/read-model.js";
import type { EpochFilter, EpochRecord } from "../app/records.js";
import type { EpochState } from "../domain/index.js";
import { fromStored, toStored } from "./uint64-column.js";

/** Instants as epoch milliseconds computed by the server: no timestamp text to parse per value. */
const ms = (column: string) => `round(date_part('epoch', e.${column}) * 1000)`;
/**
 * Output names differ from the columns on purpose: ORDER BY resolves a bare name to an output
 * column first, and `topic_id::text AS topic_id` would sort the ids as text.
 */
const COLUMNS = [
  "e.topic_id::text AS topic_text",
  "e.nonce::text AS nonce_text",
  "e.state",
  ms("worker_open_at"),
  ms("worker_close_at"),
  ms("reputer_open_at"),
  ms("reputer_close_at"),
  "e.version",
  ms("created_at"),
  ms("updated_at"),
].join(", ");

type Row = [topicId: string, nonce: string, state: number, wo: number, wc: number, ro: number, rc: number, version: number, created: number, updated: number];

interface Statement {
  readonly name: string;
  readonly where: string;
  readonly values: unknown[];
}

/**
 * The WHERE clause for a filter and keyset position. Only the *shape* (which conditions are
 * present) is in the text, so there are a dozen statements per connection whatever the values.
 */
function statement(prefix: string, filter: EpochFilter, after?: EpochPage["after"]): Statement {
  const conds: string[] = [];
  const values: unknown[] = [];
  let name = prefix;
  if (filter.topicId !== undefined) {
    values.push(String(toStored(filter.topicId)));
    conds.push(`e.topic_id = $${values.length}`);
    name += "_t";
  }
  if (filter.states !== undefined) {
    const states = [...new Set(filter.states)];
    // One state compares with `=` so the planner uses the state-leading indexes directly.
    if (states.length === 1) {
      values.push(states[0] as EpochState);
      conds.push(`e.state = $${values.length}::smallint`);
      name += "_s";
    } else {
      values.push(states);
      conds.push(`e.state = ANY($${values.length}::smallint[])`);
      name += "_ss";
    }
  }
  if (after) {
    values.push(new Date(after.startAt).toISOString(), String(toStored(after.topicId)), String(toStored(after.nonce)));
    const n = values.length;
    conds.push(`(e.worker_open_at, e.topic_id, e.nonce) < ($${n - 2}::timestamptz, $${n - 1}::bigint, $${n}::bigint)`);
    name += "_a";
  }
  return { name, where: conds.length ? `WHERE ${conds.join(" AND ")}` : "", values };
}

export class PgEpochListing {
  constructor(private readonly pool: pg.Pool) {}

  /** Newest first: (workerOpenAt, topicId, nonce) descending, keyset after `page.after`. */
  async list(filter: EpochFilter, page: EpochPage): Promise<EpochRecord[]> {
    const s = statement("ew_list_epochs", filter, page.after);
    s.values.push(page.limit);
    const { rows } = await this.pool.query<Row>({
      name: s.name,
      text: `SELECT ${COLUMNS} FROM epoch e ${s.where} ORDER BY e.worker_open_at DESC, e.topic_id DESC, e.nonce DESC LIMIT $${s.values.length}`,
      values: s.values,
      rowMode: "array",
    });
    return rows.map(toRecord);
  }

  async count(filter: EpochFilter): Promise<number> {
    const s = statement("ew_count_epochs", filter);
    const { rows } = await this.pool.query<[string]>({ name: s.name, text: `SELECT count(*)::text FROM epoch e ${s.where}`, values: s.values, rowMode: "array" });
    return Number(rows[0]?.[0] ?? 0);
  }
}

function toRecord(r: Row): EpochRecord {
  return {
    topicId: fromStored(BigInt(r[0])),
    nonce: fromStored(BigInt(r[1])),
    state: r[2] as EpochState,
    windows: { workerOpenAt: Number(r[3]), workerCloseAt: Number(r[4]), reputerOpenAt: Number(r[5]), reputerCloseAt: Number(r[6]) },
    version: r[7],
    createdAt: new Date(Number(r[8])),
    updatedAt: new Date(Number(r[9])),
  };
}
