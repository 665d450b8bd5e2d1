/**
 * The one shape of SQL in src/db: a statement with `$n` parameters, built by the modules of this
 * folder and run on a pg pool or client (prepared when named) or on Prisma (a client or an open
 * interactive transaction, so repositories keep working inside `$transaction`).
 *
 * Conventions: uint64 and bigint values are passed as decimal text with an explicit `::bigint`
 * cast, instants as ISO text with `::timestamptz`; state and transition numbers come from the
 * domain's enums. int8 results come back as text from pg and as bigint from Prisma: row types say
 * `Int8` and mappers read them with BigInt().
 */
import type pg from "pg";
import type { DbTx } from "../prisma-client.js";

/** `R` is the row type the statement returns (checked where it is run). */
export interface Statement<R = unknown> {
  /** Prepared-statement name (pg only): for hot shapes whose text depends on nothing but the shape. */
  readonly name?: string;
  readonly text: string;
  readonly values: unknown[];
  /** Phantom: carries the row type from builder to runner. */
  readonly row?: R;
}

/** int8 as pg (text) or Prisma (bigint) hands it back. */
export type Int8 = string | bigint;

export type PgQueryable = Pick<pg.ClientBase, "query">;
/** Where a statement runs: pg (pool or client) or Prisma (client or transaction). */
export type Executor = PgQueryable | DbTx;

function isPrisma(db: Executor): db is DbTx {
  return "$queryRawUnsafe" in db;
}

/** Runs a statement and returns its rows. */
export async function queryRows<R>(db: Executor, s: Statement<R>): Promise<R[]> {
  if (isPrisma(db)) return db.$queryRawUnsafe<R[]>(s.text, ...s.values);
  const result = await db.query({ ...(s.name ? { name: s.name } : {}), text: s.text, values: s.values });
  return result.rows as R[];
}

/** Runs a statement for its effect (locks, notifications): no rows are read. */
export async function execute(db: Executor, s: Statement<unknown>): Promise<void> {
  if (isPrisma(db)) await db.$executeRawUnsafe(s.text, ...s.values);
  else await db.query({ ...(s.name ? { name: s.name } : {}), text: s.text, values: s.values });
}

/** Collects parameter values while a statement's text is built. */
export class Params {
  readonly values: unknown[] = [];

  /** Appends `v` and returns its placeholder. */
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/**
 * A column of a table's select list: read as is, or as text (`int8` ids keep their exact value and
 * parse once), or as epoch milliseconds computed by the server (no timestamp to parse per value).
 */
export type Column = string | { readonly column: string; readonly as: string; readonly read: "text" | "ms" };

/** A table's select list qualified with its alias: the one prefixing helper. */
export function selectList(alias: string, columns: readonly Column[]): string {
  const q = alias ? `${alias}.` : "";
  return columns
    .map((c) => {
      if (typeof c === "string") return `${q}${c}`;
      return c.read === "text" ? `${q}${c.column}::text AS ${c.as}` : `round(date_part('epoch', ${q}${c.column}) * 1000) AS ${c.as}`;
    })
    .join(", ");
}

export function where(conds: readonly string[]): string {
  return conds.length ? `WHERE ${conds.join(" AND ")}` : "";
}
