/** The demo's one-line live status: epochs started, windows open now, transitions per second. */
import type { ReadModel } from "../app/read-model.js";
import { EpochState, EpochTransition } from "../domain/index.js";
import type { TransitionFeed } from "../pubsub/transition-feed.js";

export function startStatusLine(feed: TransitionFeed, readModel: ReadModel, out: NodeJS.WriteStream = process.stdout): () => void {
  let started = 0;
  let window: number[] = [];
  const queue = feed.subscribe(() => true, null);
  void (async () => {
    for await (const r of queue) {
      if (r.transition === EpochTransition.OPEN_WORKER_WINDOW) started++;
      window.push(Date.now());
    }
  })().catch(() => {});
  const timer = setInterval(async () => {
    const now = Date.now();
    window = window.filter((t) => now - t < 5000);
    const counts = await readModel.countByState().catch(() => null);
    if (!counts) return;
    const line =
      `epochs started ${started} · worker windows open ${counts.get(EpochState.WORKER_SUBMISSION) ?? 0}` +
      ` · reputer windows open ${counts.get(EpochState.REPUTER_SUBMISSION) ?? 0}` +
      ` · ${(window.length / 5).toFixed(1)} transitions/s`;
    if (out.isTTY) out.write(`\r\x1b[2K${line}`);
    else if (now % 10_000 < 1000) out.write(`${line}\n`);
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    void queue.return();
    if (out.isTTY) out.write("\n");
  };
}
