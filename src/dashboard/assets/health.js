// Scheduler health: epochs by state now with a sparkline of the recent past, and the lateness of
// scheduled transitions (at − dueAt) as p50/p99 over the last minutes.
import uPlot from "/dashboard/vendor/uplot/uPlot.esm.js";
import { axisTimes, duration, h } from "./format.js";
import { STATES, lateness } from "./model.js";

const SPARK_SPAN_MS = 10 * 60_000;

/** A step line of one state's count over the last minutes (SVG, no axes: a sparkline). */
function sparkline(samples, state, now) {
  const from = now - SPARK_SPAN_MS;
  const points = samples.filter((s) => s.t >= from);
  const before = samples.filter((s) => s.t < from).at(-1);
  if (before) points.unshift({ t: from, byState: before.byState });
  if (!points.length) return h("svg", { class: "spark", viewBox: "0 0 100 24", "aria-hidden": "true" });
  points.push({ t: now, byState: points.at(-1).byState });
  const values = points.map((p) => p.byState[state] ?? 0);
  const top = Math.max(1, ...values);
  const x = (t) => ((t - from) / SPARK_SPAN_MS) * 100;
  const y = (v) => 22 - (v / top) * 20;
  let d = `M${x(points[0].t).toFixed(2)},${y(values[0]).toFixed(2)}`;
  for (let i = 1; i < points.length; i++) d += `H${x(points[i].t).toFixed(2)}V${y(values[i]).toFixed(2)}`;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 100 24");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(svg.namespaceURI, "path");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}

export function renderCounts(container, samples, now) {
  const latest = samples.at(-1)?.byState ?? {};
  container.replaceChildren(...STATES.map((s) => {
    const values = samples.filter((p) => p.t >= now - SPARK_SPAN_MS).map((p) => p.byState[s] ?? 0);
    const range = values.length ? `${Math.min(...values)}–${Math.max(...values)} in the last 10 min` : "";
    return h("div", { class: "count", "data-state": s, title: range },
      h("b", {}, String(latest[s] ?? 0)), h("span", {}, s.replaceAll("_", " ").toLowerCase()), sparkline(samples, s, now));
  }));
}

export function createLatenessChart(container, summary) {
  const SPAN = 5 * 60_000;
  const BUCKET = 10_000;
  const chart = new uPlot({
    width: Math.max(200, container.clientWidth),
    height: 140,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(10, (max ?? 0) * 1.15)] } },
    axes: [
      { stroke: "#3b4252", grid: { stroke: "#e3e6ec" }, size: 32, space: 70, values: axisTimes },
      { stroke: "#3b4252", grid: { stroke: "#e3e6ec" }, size: 64, values: (_u, ticks) => ticks.map((v) => duration(v)) },
    ],
    series: [
      {},
      { label: "p50", stroke: "#1d4ed8", width: 2, spanGaps: true, points: { size: 4 } },
      { label: "p99", stroke: "#b45309", width: 2, spanGaps: true, points: { size: 4 } },
    ],
  }, [[], [], []], container);

  function render(records, now) {
    const l = lateness(records, now, SPAN, BUCKET);
    chart.setData([l.xs, l.p50, l.p99]);
    const width = Math.max(200, container.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: 140 });
    summary.textContent = l.n
      ? `last 5 min, ${l.n} scheduled transitions: p50 ${duration(l.p50All)} · p99 ${duration(l.p99All)} · max ${duration(l.max)} late`
      : "no scheduled transitions in the last 5 min";
    summary.dataset.n = String(l.n);
  }
  return { render };
}
