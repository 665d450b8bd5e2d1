/** Scrape-time readings of the shared database (src/db/metrics-queries.ts). */
import { WINDOW_STATE, WindowKind } from "../../domain/index.js";
import type { Int8, Statement } from "./statement.js";

/** Open worker and reputer windows per topic (served by the state-leading indexes). */
export function openWindowsByTopic(): Statement<{ topic_text: string; state: number; n: Int8 }> {
  const open = [WINDOW_STATE[WindowKind.WORKER], WINDOW_STATE[WindowKind.REPUTER]];
  return {
    text: `SELECT e.topic_id::text AS topic_text, e.state, count(*) AS n FROM epoch e WHERE e.state IN (${open.join(", ")}) GROUP BY e.topic_id, e.state`,
    values: [],
  };
}
