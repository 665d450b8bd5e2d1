import type { LogPosition, TransitionLogRecord } from "../app/records.js";
import type { SettledLogReader } from "../app/settled-log-reader.js";
import type { Db } from "./prisma-client.js";
import { TransitionLogRepository } from "./transition-log-repository.js";

/** The feed's view of the log: only rows of transactions older than every running one. */
export class PrismaSettledLogReader implements SettledLogReader {
  private readonly log = new TransitionLogRepository();

  constructor(private readonly db: Db) {}

  read(after: LogPosition | null, limit: number): Promise<TransitionLogRecord[]> {
    return this.log.list(this.db, {}, { after: after ?? undefined, limit, settled: true });
  }

  async head(): Promise<LogPosition | null> {
    const rows = await this.db.$queryRaw<{ txid: bigint; id: bigint }[]>`
      SELECT txid, id FROM transition_record
      WHERE txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
      ORDER BY txid DESC, id DESC LIMIT 1`;
    return rows[0] ? { txid: rows[0].txid, id: rows[0].id } : null;
  }
}
