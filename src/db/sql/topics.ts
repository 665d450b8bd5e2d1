/**
 * The topic statements Prisma's model API cannot say (src/db/topic-repository.ts uses that API for
 * the rest on purpose): a command's row lock, and the free-id pick under an advisory lock.
 */
import { UINT64_MAX } from "../../domain/index.js";
import type { Int8, Statement } from "./statement.js";
import { storedText } from "./values.js";

/** Row-locks the topic until the transaction ends; no row when there is no such topic. */
export function lockTopic(id: bigint): Statement<{ id: Int8 }> {
  return { text: "SELECT id FROM topic WHERE id = $1::bigint FOR UPDATE", values: [storedText(id)] };
}

/** Serialises topic creations that pick their own id. */
export function lockTopicIds(): Statement<unknown> {
  return { text: "SELECT pg_advisory_xact_lock(hashtext('epoch_windows.topic_id'))", values: [] };
}

/** The lowest free id after a taken one (once 2^64 − 1 is taken); null when every id is. */
export function lowestGap(): Statement<{ id: Int8 | null }> {
  return {
    text: `SELECT min(t.id) + 1 AS id FROM topic t
           WHERE t.id < $1::bigint AND NOT EXISTS (SELECT 1 FROM topic u WHERE u.id = t.id + 1)`,
    values: [storedText(UINT64_MAX)],
  };
}
