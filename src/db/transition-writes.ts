/**
 * One transition of one epoch (the API's commands) as one statement (src/db/sql/transition-log.ts):
 * the epoch's change and its log record in one round trip, inside the caller's transaction.
 */
import type { EpochKey, EpochRecord, TransitionLogRecord } from "../app/records.js";
import type { DbTx } from "./prisma-client.js";
import { applyTransition, toWritten, type LoggedChange } from "./sql/transition-log.js";
import { queryRows } from "./sql/statement.js";

export type { LoggedChange };

export interface WrittenTransition {
  readonly epoch: EpochRecord;
  readonly record: TransitionLogRecord;
}

export class TransitionWrites {
  /**
   * Compare-and-set the epoch's state on its version and append the log record, in one statement.
   * Null (nothing written) when the epoch is no longer at `expectedVersion`. `updated_at` and `at`
   * are the statement's clock.
   */
  async apply(db: DbTx, key: EpochKey, expectedVersion: number, change: LoggedChange): Promise<WrittenTransition | null> {
    const [row] = await queryRows(db, applyTransition(key, expectedVersion, change));
    return row ? toWritten(row) : null;
  }
}
