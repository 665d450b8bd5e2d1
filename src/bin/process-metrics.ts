/** The gauges every process registers over the shared database, and the API's live ones. */
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
