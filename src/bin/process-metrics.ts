/** The gauges every process registers over the shared database, and the API's live ones. */
import type { CommitObserver } from "../db/lifecycle-store.js";
import { EpochTransition, TransitionSource } from "../domain/index.js";
import { epochsByState, openWindowsByTopic, schedulerBacklog } from "../db/metrics-queries.js";
import type { Db } from "../db/prisma-client.js";
import { METRIC_NAMES, Metrics, type GaugeSample } from "../observability/metrics.js";
import { ThrottledReading } from "../observability/throttled-reading.js";
import type { TransitionFeed } from "../pubsub/transition-feed.js";

export interface ProcessMetricsOptions {
  readonly feed?: TransitionFeed;
  readonly pool?: { totalCount: number; idleCount: number; waitingCount: number };
  /** The database-derived gauges are read at most once per this many ms (METRICS_DB_REFRESH_MS). */
  readonly dbRefreshMs?: number;
}

export function createProcessMetrics(prisma: Db, opts: ProcessMetricsOptions = {}): Metrics {
  const metrics = new Metrics();
  // One refresh runs the three COUNT queries (one connection at a time); every scrape in between,
  // and every scrape arriving while it runs, is served from it.
  const database = new ThrottledReading(
    async () => {
      const open = await openWindowsByTopic(prisma);
      const states = await epochsByState(prisma);
      const backlog = await schedulerBacklog(prisma);
      return { open, states, backlog } satisfies Record<string, GaugeSample[]>;
    },
    { intervalMs: opts.dbRefreshMs ?? 5000, onRefresh: () => metrics.dbRefreshes.inc() },
  );
  metrics.gauge(METRIC_NAMES.openWindows, "Open submission windows per topic and kind", ["topic", "kind"], async () => (await database.get()).open);
  metrics.gauge(METRIC_NAMES.epochsByState, "Epochs per state", ["state"], async () => (await database.get()).states);
  metrics.gauge(METRIC_NAMES.schedulerBacklog, "Starts and steps due and not yet applied", [], async () => (await database.get()).backlog);
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
