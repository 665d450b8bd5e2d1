/**
 * The epoch listing and count the API serves most (openWorkerWindows, openReputerWindows, epochs)
 * on `pg` directly, as named prepared statements for the hot shapes (src/db/sql/epochs.ts): each
 * connection parses and plans a shape once (about 0.5 ms of server CPU per statement otherwise,
 * ten times the execution of an indexed page), and rows skip Prisma's generic result pipeline.
 * NEWEST_FIRST answers exactly as EpochRepository.list / count (the same statements).
 */
import type pg from "pg";
import type { SortedEpochPage } from "../app/read-model.js";
import type { EpochFilter, EpochRecord } from "../app/records.js";
import { countStatement, listStatement, toEpochRecord } from "./sql/epochs.js";
import { queryRows } from "./sql/statement.js";

export class EpochListing {
  private constructor(private readonly pool: pg.Pool) {}

  static overPool(pool: pg.Pool): EpochListing {
    return new EpochListing(pool);
  }

  /** In `page.sort` order (newest first by default), keyset after `page.after`. */
  async list(filter: EpochFilter, page: SortedEpochPage): Promise<EpochRecord[]> {
    return (await queryRows(this.pool, listStatement(filter, page))).map(toEpochRecord);
  }

  async count(filter: EpochFilter): Promise<number> {
    const rows = await queryRows(this.pool, countStatement(filter));
    return Number(rows[0]?.n ?? 0);
  }
}
