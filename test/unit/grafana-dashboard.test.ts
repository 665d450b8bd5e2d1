import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Metrics } from "../../src/observability/metrics.js";

const dashboard = JSON.parse(readFileSync(new URL("../../deploy/grafana/epoch-windows.json", import.meta.url), "utf8"));

/** Metric names a process can expose: the registry's own plus the scrape-time gauges. */
async function exposedNames(): Promise<Set<string>> {
  const metrics = new Metrics();
  const names = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
  const { METRIC_NAMES } = await import("../../src/observability/metrics.js");
  for (const n of Object.values(METRIC_NAMES)) names.add(n);
  return names;
}

describe("Grafana dashboard", () => {
  it("is a dashboard with panels and queries", () => {
    assert.equal(typeof dashboard.title, "string");
    assert.ok(Array.isArray(dashboard.panels) && dashboard.panels.length >= 5);
    for (const p of dashboard.panels) assert.ok(p.targets?.length > 0, `panel ${p.title} has no query`);
  });

  it("process and Node.js metrics carry their standard, unprefixed names", async () => {
    const names = await exposedNames();
    for (const n of ["process_resident_memory_bytes", "process_cpu_seconds_total", "nodejs_eventloop_lag_p99_seconds", "nodejs_heap_size_used_bytes"]) {
      assert.ok(names.has(n), `${n} is exposed`);
    }
    assert.deepEqual([...names].filter((n) => n.startsWith("epoch_windows_process_") || n.startsWith("epoch_windows_nodejs_")), []);
  });

  it("refers only to metrics that exist", async () => {
    const names = await exposedNames();
    const used = new Set<string>();
    for (const p of dashboard.panels) {
      for (const t of p.targets) for (const m of String(t.expr).match(/\b(?:epoch_windows|process|nodejs)_[a-z0-9_]+/g) ?? []) used.add(m);
    }
    assert.ok(used.size >= 8);
    assert.ok([...used].some((m) => m.startsWith("process_")), "memory comes from the standard process metrics");
    for (const m of used) {
      const base = m.replace(/_(bucket|sum|count)$/, "");
      assert.ok(names.has(m) || names.has(base), `dashboard uses unknown metric ${m}`);
    }
  });
});
