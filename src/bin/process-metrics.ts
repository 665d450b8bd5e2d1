/** The gauges every process registers over the shared database, and the API's live ones. */
import type { CommitObserver } from "../db/lifecycle-store.js";
import { EpochTransition, TransitionSource } from "../domain/index.js";
import { epochsByState, openWindowsByTopic, pendingJobs } from "../db/metrics-queries.js";
import type { Db } from "../db/prisma-client.js";
import { METRIC_NAMES, Metrics } from "../observability/metrics.js";
import type { TransitionFeed } from "../pubsub/transition-feed.js";

export function createProcessMetrics(prisma: Db, opts: { feed?: TransitionFeed; pool?: { totalCount: number; idleCount: number; waitingCount: number } } = {}): Metrics {
  const metrics = new Metrics();
  metrics.gauge(METRIC_NAMES.openWindows, "Open submission windows per topic and kind", ["topic", "kind"], () => openWindowsByTopic(prisma));
  metrics.gauge(METRIC_NAMES.epochsByState, "Epochs per state", ["state"], () => epochsByState(prisma));
  metrics.gauge(METRIC_NAMES.pendingJobs, "Jobs in the scheduler queue (waiting, ready or running)", [], () => pendingJobs(prisma));
  const feed = opts.feed;
  if (feed) metrics.gauge(METRIC_NAMES.liveSubscriptions, "Live subscriptions on this instance", [], () => [{ value: feed.subscriberCount }]);
  const pool = opts.pool;
  if (pool) {
    metrics.gauge(METRIC_NAMES.poolConnections, "Database pool connections by state", ["state"], () => [
      { labels: { state: "total" }, value: pool.totalCount },
      { labels: { state: "idle" }, value: pool.idleCount },
      { labels: { state: "waiting" }, value: pool.waitingCount },
    ]);
  }
  return metrics;
}

/** Counts committed transitions and observes the scheduler's lateness (at − dueAt). */
export function transitionMetrics(metrics: Metrics): CommitObserver {
  return (records) => {
    for (const r of records) {
      const transition = EpochTransition[r.transition] ?? String(r.transition);
      metrics.transitions.inc({ transition, source: TransitionSource[r.source] ?? String(r.source) });
      if (r.dueAt) metrics.lateness.observe({ transition }, Math.max(0, r.at.getTime() - r.dueAt.getTime()) / 1000);
    }
  };
}
