/**
 * Job payloads as stored in graphile_worker's jobs table: JSON-safe (uint64 as decimal strings),
 * parsed back strictly so a malformed job fails loudly instead of acting on the wrong epoch.
 */
import type { EpochKey } from "../app/records.js";
import type { PeriodicStart } from "../app/lifecycle-ports.js";
import { parseNonce, parseUint64 } from "../domain/index.js";

/**
 * Every payload carries `dueAt` (ms since the Unix epoch): jobs are queued a little before it (see
 * WORKER_LEAD_MS) and the task waits for this instant before it starts its transaction.
 */
export interface EpochJobPayload {
  readonly topicId: string;
  readonly nonce: string;
  readonly dueAt: number;
}

export interface PeriodicJobPayload {
  readonly topicId: string;
  readonly anchor: number;
  readonly index: number;
  readonly dueAt: number;
}

export function epochPayload(key: EpochKey, dueAt: number): EpochJobPayload {
  return { topicId: key.topicId.toString(), nonce: key.nonce.toString(), dueAt };
}

export function parseEpochPayload(payload: unknown): { key: EpochKey; dueAt: number } {
  const p = payload as Partial<EpochJobPayload> | null;
  if (typeof p?.topicId !== "string" || typeof p.nonce !== "string" || !Number.isSafeInteger(p.dueAt)) {
    throw new Error(`bad epoch job payload ${JSON.stringify(payload)}`);
  }
  return { key: { topicId: parseUint64(p.topicId, "topicId"), nonce: parseNonce(p.nonce) }, dueAt: p.dueAt! };
}

export function periodicPayload(next: PeriodicStart, dueAt: number): PeriodicJobPayload {
  return { topicId: next.topicId.toString(), anchor: next.anchor, index: next.index, dueAt };
}

export function parsePeriodicPayload(payload: unknown): { job: PeriodicStart; dueAt: number } {
  const p = payload as Partial<PeriodicJobPayload> | null;
  if (typeof p?.topicId !== "string" || !Number.isSafeInteger(p.anchor) || !Number.isSafeInteger(p.index) || p.index! < 0 || !Number.isSafeInteger(p.dueAt)) {
    throw new Error(`bad periodic job payload ${JSON.stringify(payload)}`);
  }
  return { job: { topicId: parseUint64(p.topicId, "topicId"), anchor: p.anchor!, index: p.index! }, dueAt: p.dueAt! };
}
