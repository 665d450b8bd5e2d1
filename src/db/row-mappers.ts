/** Database rows <-> application records; the only place that knows column names and encodings. */
import type { EpochState, EpochTransition, TransitionSource } from "../domain/index.js";
import type { EpochRecord, TransitionLogRecord } from "../app/records.js";
import { fromStored } from "./uint64-column.js";

export interface EpochRow {
  topic_id: bigint;
  nonce: bigint;
  state: number;
  worker_open_at: Date;
  worker_close_at: Date;
  reputer_open_at: Date;
  reputer_close_at: Date;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface TransitionRow {
  id: bigint;
  txid: bigint;
  topic_id: bigint;
  nonce: bigint;
  transition: number;
  from_state: number;
  to_state: number;
  at: Date;
  due_at: Date | null;
  source: number;
  reason: string | null;
}

export function toEpochRecord(r: EpochRow): EpochRecord {
  return {
    topicId: fromStored(r.topic_id),
    nonce: fromStored(r.nonce),
    state: r.state as EpochState,
    version: r.version,
    windows: {
      workerOpenAt: r.worker_open_at.getTime(),
      workerCloseAt: r.worker_close_at.getTime(),
      reputerOpenAt: r.reputer_open_at.getTime(),
      reputerCloseAt: r.reputer_close_at.getTime(),
    },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toTransitionLogRecord(r: TransitionRow): TransitionLogRecord {
  return {
    id: r.id,
    txid: r.txid,
    topicId: fromStored(r.topic_id),
    nonce: fromStored(r.nonce),
    transition: r.transition as EpochTransition,
    from: r.from_state as EpochState,
    to: r.to_state as EpochState,
    at: r.at,
    dueAt: r.due_at,
    source: r.source as TransitionSource,
    reason: r.reason,
  };
}
