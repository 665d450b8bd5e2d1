/** Scrape-time readings of the shared database for the gauges in src/observability/metrics.ts. */
import { EpochState, WINDOW_STATE, WindowKind } from "../domain/index.js";
import type { GaugeSample } from "../observability/metrics.js";
import type { Db } from "./prisma-client.js";
import { countByState } from "./sql/epochs.js";
import * as sql from "./sql/metrics.js";
import { dueBacklog } from "./sql/scheduler.js";
import { queryRows } from "./sql/statement.js";
import { uint64Of } from "./sql/values.js";

/** Open worker/reputer windows per topic (served by the ByState index). */
export async function openWindowsByTopic(db: Db): Promise<GaugeSample[]> {
  const rows = await queryRows(db, sql.openWindowsByTopic());
  return rows.map((r) => ({
    labels: {
      topic: uint64Of(r.topic_text).toString(),
      kind: Number(r.state) === WINDOW_STATE[WindowKind.WORKER] ? WindowKind[WindowKind.WORKER] : WindowKind[WindowKind.REPUTER],
    },
    value: Number(r.n),
  }));
}

export async function epochsByState(db: Db): Promise<GaugeSample[]> {
  const rows = await queryRows(db, countByState());
  const counts = new Map(rows.map((r) => [Number(r.state), Number(r.n)]));
  return Object.values(EpochState)
    .filter((v): v is EpochState => typeof v === "number")
    .map((s) => ({ labels: { state: EpochState[s] }, value: counts.get(s) ?? 0 }));
}

/** Starts and steps due and not yet applied: a backlog that stays above 0 means the scheduler is behind. */
export async function schedulerBacklog(db: Db): Promise<GaugeSample[]> {
  const rows = await queryRows(db, dueBacklog());
  return [{ value: Number(rows[0]?.n ?? 0) }];
}
