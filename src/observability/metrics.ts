/**
 * Prometheus metrics of one process (API or worker), exposed at /metrics. Counters are counted by
 * the process that did the work; gauges that describe the shared database (open windows, pending
 * jobs) are read from it (at most once per METRICS_DB_REFRESH_MS, src/bin/process-metrics.ts), so
 * every instance reports the same truth. The service's own metrics are prefixed `epoch_windows_`;
 * prom-client's process and Node.js metrics keep their standard names (`process_*`, `nodejs_*`)
 * so stock Node.js dashboards work.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const METRIC_NAMES = {
  requestDuration: "epoch_windows_graphql_request_duration_seconds",
  errors: "epoch_windows_graphql_errors_total",
  transitions: "epoch_windows_transitions_total",
  lateness: "epoch_windows_scheduler_lateness_seconds",
  schedulerBacklog: "epoch_windows_scheduler_backlog",
  openWindows: "epoch_windows_open_windows",
  epochsByState: "epoch_windows_epochs",
  liveSubscriptions: "epoch_windows_live_subscriptions",
  poolConnections: "epoch_windows_db_pool_connections",
  missedStarts: "epoch_windows_missed_starts_total",
  dbRefreshes: "epoch_windows_metrics_db_refreshes_total",
  cacheReads: "epoch_windows_read_cache_total",
} as const;

export type GaugeSample = { labels?: Record<string, string>; value: number };

export class Metrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<"operation" | "type">;
  readonly errors: Counter<"code">;
  readonly transitions: Counter<"transition" | "source">;
  readonly lateness: Histogram<"transition">;
  readonly missedStarts: Counter;
  /** Refreshes of the database-derived gauges (one set of COUNT queries each). */
  readonly dbRefreshes: Counter;
  /** Cacheable reads by cache ("page": open-window pages; "response": whole responses) and result (hit, miss). */
  readonly cacheReads: Counter<"cache" | "result">;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new Histogram({
      name: METRIC_NAMES.requestDuration,
      help: "GraphQL request duration in seconds, by operation name and type",
      labelNames: ["operation", "type"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: METRIC_NAMES.errors,
      help: "GraphQL errors returned, by extensions.code",
      labelNames: ["code"],
      registers: [this.registry],
    });
    this.transitions = new Counter({
      name: METRIC_NAMES.transitions,
      help: "Epoch transitions committed by this process, by transition and source",
      labelNames: ["transition", "source"],
      registers: [this.registry],
    });
    this.lateness = new Histogram({
      name: METRIC_NAMES.lateness,
      help: "Seconds between a scheduled transition's due time and its commit",
      labelNames: ["transition"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    // No topic label: per-topic counts are Topic.missedStarts in GraphQL.
    this.missedStarts = new Counter({
      name: METRIC_NAMES.missedStarts,
      help: "Periodic epoch starts skipped by this process's catch-up starts (no worker ran at their instants)",
      registers: [this.registry],
    });
    this.dbRefreshes = new Counter({
      name: METRIC_NAMES.dbRefreshes,
      help: "Reads of the database-derived gauges (one set of COUNT queries each; at most one per METRICS_DB_REFRESH_MS)",
      registers: [this.registry],
    });
    this.cacheReads = new Counter({
      name: METRIC_NAMES.cacheReads,
      help: "Cacheable reads while commit notices are heard, by cache (page, response) and result (hit, miss)",
      labelNames: ["cache", "result"],
      registers: [this.registry],
    });
  }

  /** A gauge whose samples are computed at scrape time (errors leave the gauge empty, not the scrape broken). */
  gauge(name: string, help: string, labelNames: readonly string[], read: () => Promise<GaugeSample[]> | GaugeSample[]): Gauge<string> {
    return new Gauge({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      async collect() {
        this.reset();
        let samples: GaugeSample[];
        try {
          samples = await read();
        } catch {
          return;
        }
        for (const s of samples) {
          if (s.labels) this.set(s.labels, s.value);
          else this.set(s.value);
        }
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
