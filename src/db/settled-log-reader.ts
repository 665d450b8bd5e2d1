import type { LogPosition, TransitionLogRecord } from "../app/records.js";
import type { SettledLogReader } from "../app/settled-log-reader.js";
import type { Db } from "./prisma-client.js";
import { settledHead } from "./sql/transition-log.js";
import { queryRows } from "./sql/statement.js";
import { TransitionLogRepository } from "./transition-log-repository.js";

/** The feed's view of the log: only rows of transactions older than every running one. */
export class PrismaSettledLogReader implements SettledLogReader {
  private readonly log = new TransitionLogRepository();

  constructor(private readonly db: Db) {}

  read(after: LogPosition | null, limit: number): Promise<TransitionLogRecord[]> {
    return this.log.list(this.db, {}, { after: after ?? undefined, limit, settled: true });
  }

  async head(): Promise<LogPosition | null> {
    const [row] = await queryRows(this.db, settledHead());
    return row ? { txid: BigInt(row.txid), id: BigInt(row.id) } : null;
  }
}
