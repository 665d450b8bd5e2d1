/** The port the live feed (src/pubsub) reads the log through; src/db implements it. */
import type { LogPosition, TransitionLogRecord } from "./records.js";

/** Reads the settled log (txid below the oldest running transaction), oldest first. */
export interface SettledLogReader {
  read(after: LogPosition | null, limit: number): Promise<TransitionLogRecord[]>;
  /** Position of the newest settled record, null when the log is empty. */
  head(): Promise<LogPosition | null>;
}
