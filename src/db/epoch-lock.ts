/**
 * The key of an epoch's advisory lock, taken first by every writer of the epoch (see
 * EpochRepository.get and TransitionWrites.apply); hashed with hashtextextended(key, 0).
 */
import type { EpochKey } from "../app/records.js";

export function epochLockKey(key: EpochKey): string {
  return `epoch-windows/epoch/${key.topicId}/${key.nonce}`;
}
