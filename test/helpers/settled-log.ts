/**
 * The API lists the transition log up to its settled horizon: below every transaction still
 * running on the server, other test files' included (src/db/sql/transition-log.ts). A test that
 * writes log rows and then lists them waits for this first.
 */
import type { Db } from "../../src/db/prisma-client.js";
import { until } from "./until.js";

export async function untilLogSettled(prisma: Db): Promise<void> {
  await until("every log row below the settled horizon", async () => {
    const [row] = await prisma.$queryRaw<{ settled: boolean }[]>`
      SELECT coalesce(max(txid) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint, true) AS settled FROM transition_record`;
    return row!.settled;
  });
}
