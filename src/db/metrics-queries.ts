/** Scrape-time readings of the shared database for the gauges in src/observability/metrics.ts. */
import { EpochState, WindowKind } from "../domain/index.js";
import type { GaugeSample } from "../observability/metrics.js";
import type { Db } from "./prisma-client.js";
import { DUE_BACKLOG } from "./sql/scheduler.js";
import { fromStored } from "./uint64-column.js";

/** Open worker/reputer windows per topic (served by the ByState index). */
export async function openWindowsByTopic(db: Db): Promise<GaugeSample[]> {
  const rows = await db.$queryRaw<{ topic_id: bigint; state: number; n: bigint }[]>`
    SELECT topic_id, state, count(*) AS n FROM epoch WHERE state IN (1, 3) GROUP BY topic_id, state`;
  return rows.map((r) => ({
    labels: {
      topic: fromStored(r.topic_id).toString(),
      kind: r.state === EpochState.WORKER_SUBMISSION ? WindowKind[WindowKind.WORKER] : WindowKind[WindowKind.REPUTER],
    },
    value: Number(r.n),
  }));
}

export async function epochsByState(db: Db): Promise<GaugeSample[]> {
  const rows = await db.$queryRaw<{ state: number; n: bigint }[]>`SELECT state, count(*) AS n FROM epoch GROUP BY state`;
  const counts = new Map(rows.map((r) => [r.state, Number(r.n)]));
  return Object.values(EpochState)
    .filter((v): v is EpochState => typeof v === "number")
    .map((s) => ({ labels: { state: EpochState[s] }, value: counts.get(s) ?? 0 }));
}

/** Starts and steps due and not yet applied: a backlog that stays above 0 means the scheduler is behind. */
export async function schedulerBacklog(db: Db): Promise<GaugeSample[]> {
  const rows = await db.$queryRawUnsafe<{ n: bigint }[]>(DUE_BACKLOG);
  return [{ value: Number(rows[0]?.n ?? 0n) }];
}
