/** Scrape-time readings of the shared database for the gauges in src/observability/metrics.ts. */
import { EpochState, WindowKind } from "../domain/index.js";
import type { GaugeSample } from "../observability/metrics.js";
import type { Db } from "./prisma-client.js";
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

/** Jobs in the queue: waiting for their instant, ready, or running. */
export async function pendingJobs(db: Db): Promise<GaugeSample[]> {
  const rows = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM graphile_worker._private_jobs`;
  return [{ value: Number(rows[0]?.n ?? 0n) }];
}
