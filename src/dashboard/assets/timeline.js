// The timeline: one lane per topic, each epoch's worker and reputer windows as bars on a shared
// time axis, and a "now" line. uPlot draws the axis and grid; the bars are buttons laid over its
// plot area, so they can be focused, read by a screen reader and hovered or tapped for details.
import uPlot from "/dashboard/vendor/uplot/uPlot.esm.js";
import { axisTimes, compareIds, duration, h, localTime, readableNonce, utc } from "./format.js";
import { windowPhase } from "./model.js";

const HEADER = 22; // lane title strip, px
const TRACK = 24; // one row of bars
const GAP = 8; // between lanes
const PAD_TOP = 8;
const AXIS = 32; // x axis below the lanes
const KINDS = ["worker", "reputer"];
const PHASE_TEXT = {
  upcoming: "upcoming", open: "open", closed: "closed", cancelled: "cancelled",
  "opening-late": "due to open (late)", "closing-late": "due to close (late)",
};

/** Greedy interval packing: bars that overlap in time go to separate tracks (overlap stays visible). */
function assignTracks(bars) {
  const ends = [];
  for (const bar of bars.sort((a, b) => a.openAt - b.openAt || compareIds(a.epoch.nonce, b.epoch.nonce))) {
    let track = ends.findIndex((end) => end < bar.openAt);
    if (track === -1) track = ends.length;
    ends[track] = bar.closeAt;
    bar.track = track;
  }
  return Math.max(1, ends.length);
}

export function barLabel(epoch, kind, phase) {
  const w = epoch[kind];
  return `topic ${epoch.topicId}, epoch ${readableNonce(epoch.nonce)}, ${kind} window ${PHASE_TEXT[phase]}, ${localTime(w.openAt)} to ${localTime(w.closeAt)}`;
}

export function createTimeline(container, { onTopic, onEpoch }) {
  const plot = new uPlot({
    width: Math.max(200, container.clientWidth),
    height: 120,
    padding: [PAD_TOP, 12, 0, 12],
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: true, auto: false }, y: { auto: false, range: [0, 1] } },
    axes: [
      { stroke: "#3b4252", size: AXIS, space: 70, grid: { stroke: "#e3e6ec" }, ticks: { stroke: "#c9ced8" }, values: axisTimes },
      { show: false },
    ],
    series: [{}],
  }, [[]], container);
  const layer = h("div", { class: "timeline-layer" });
  plot.over.append(layer);
  const nowLine = h("div", { class: "now-line", "aria-hidden": "true" }, h("span", {}, "now"));
  const bars = new Map(); // "topic/nonce/kind" → button
  const lanes = new Map(); // topic id → { band, label }
  let height = 0;

  function laneElements(topic, focused) {
    let lane = lanes.get(topic.id);
    if (!lane) {
      const label = h("button", { class: "lane-label", type: "button", "data-topic": topic.id });
      label.addEventListener("click", () => onTopic(topic.id));
      lane = { band: h("div", { class: "lane-band" }), label };
      lanes.set(topic.id, lane);
    }
    const every = topic.epochLength ? ` · every ${duration(topic.epochLength * 1000)}` : "";
    // Periodic starts a catch-up skipped (no worker ran at their instants): downtime shows here.
    const skipped = topic.missedStarts ? ` · ${topic.missedStarts} start${topic.missedStarts === 1 ? "" : "s"} skipped` : "";
    lane.label.textContent = `topic ${topic.id}${every}${skipped}`;
    lane.label.title = focused ? "show every topic" : `show only topic ${topic.id}`;
    lane.label.setAttribute("aria-pressed", String(focused));
    return lane;
  }

  function barElement(key, epoch, kind) {
    let el = bars.get(key);
    if (!el) {
      el = h("button", { type: "button", class: "bar", "data-topic": epoch.topicId, "data-nonce": epoch.nonce, "data-kind": kind, "data-label": readableNonce(epoch.nonce) });
      el.addEventListener("click", () => onEpoch(el.dataset.key, el, true));
      el.addEventListener("mouseenter", () => onEpoch(el.dataset.key, el, false));
      el.addEventListener("focus", () => onEpoch(el.dataset.key, el, false));
      el.dataset.key = epoch.key;
      bars.set(key, el);
    }
    return el;
  }

  /** Draws the lanes of `topics` (in order) with their epochs' windows between min and max (ms). */
  function render({ now, min, max, topics, epochsByTopic, focus }) {
    const width = Math.max(200, container.clientWidth);
    const laid = [];
    let top = 0;
    for (const topic of topics) {
      const lane = { topic, top, bars: [] };
      for (const epoch of epochsByTopic.get(topic.id) ?? []) {
        for (const kind of KINDS) {
          const w = epoch[kind];
          if (w.closeAt >= min && w.openAt <= max) lane.bars.push({ epoch, kind, openAt: w.openAt, closeAt: w.closeAt });
        }
      }
      const tracks = { worker: assignTracks(lane.bars.filter((b) => b.kind === "worker")), reputer: 0 };
      tracks.reputer = assignTracks(lane.bars.filter((b) => b.kind === "reputer"));
      for (const bar of lane.bars) bar.row = bar.kind === "worker" ? bar.track : tracks.worker + bar.track;
      lane.height = HEADER + (tracks.worker + tracks.reputer) * TRACK;
      top += lane.height + GAP;
      laid.push(lane);
    }
    const plotHeight = Math.max(top, 40);
    plot.batch(() => {
      if (plotHeight !== height || width !== plot.width) plot.setSize({ width, height: plotHeight + PAD_TOP + AXIS });
      plot.setScale("x", { min: min / 1000, max: max / 1000 });
    });
    height = plotHeight;

    const x = (t) => plot.valToPos(t / 1000, "x");
    const keep = new Set();
    const children = [];
    for (const lane of laid) {
      const { band, label } = laneElements(lane.topic, focus === lane.topic.id);
      band.style.cssText = `top:${lane.top}px;height:${lane.height}px`;
      label.style.top = `${lane.top}px`;
      children.push(band, label);
      lane.bars.sort((a, b) => a.openAt - b.openAt || a.row - b.row);
      const focused = lane.bars.find((b) => bars.get(`${b.epoch.key}/${b.kind}`) === document.activeElement);
      for (const bar of lane.bars) {
        const key = `${bar.epoch.key}/${bar.kind}`;
        keep.add(key);
        const el = barElement(key, bar.epoch, bar.kind);
        const phase = windowPhase(bar.epoch, bar.kind, now);
        const left = Math.max(-2, x(bar.openAt));
        const right = Math.min(x(max) + 2, x(bar.closeAt));
        const pxWidth = Math.max(3, right - left);
        const css = `left:${left.toFixed(1)}px;width:${pxWidth.toFixed(1)}px;top:${lane.top + HEADER + bar.row * TRACK + 2}px;height:${TRACK - 4}px`;
        if (el.style.cssText !== css) el.style.cssText = css;
        el.tabIndex = bar === (focused ?? lane.bars[0]) ? 0 : -1;
        if (el.dataset.phase !== phase || !el.title) {
          el.dataset.phase = phase;
          el.className = `bar ${bar.kind} ${phase}`;
          el.setAttribute("aria-label", barLabel(bar.epoch, bar.kind, phase));
          el.title = `${el.dataset.label} · ${bar.kind} ${PHASE_TEXT[phase]}\n${utc(bar.openAt)} → ${utc(bar.closeAt)}`;
        }
        // The readable nonce where it fits; narrow bars keep it in their label and tooltip.
        const text = pxWidth >= 40 ? el.dataset.label : "";
        if (el.textContent !== text) el.textContent = text;
        children.push(el);
      }
    }
    for (const key of bars.keys()) if (!keep.has(key)) bars.delete(key);
    const nowX = x(now);
    nowLine.hidden = now < min || now > max;
    nowLine.style.cssText = `left:${nowX}px;height:${plotHeight}px`;
    nowLine.dataset.now = String(now);
    nowLine.dataset.x = nowX.toFixed(1);
    nowLine.title = `now: ${utc(now)}`;
    children.push(nowLine);
    // Reorder only when the set changed: moving a focused button would lose keyboard focus.
    // Insert and remove only what changed: moving a focused button would lose keyboard focus.
    const wanted = new Set(children);
    for (const el of [...layer.children]) if (!wanted.has(el)) el.remove();
    children.forEach((c, i) => { if (layer.children[i] !== c) layer.insertBefore(c, layer.children[i] ?? null); });
  }

  // One tab stop per lane (its first bar, or the one last focused); arrow keys move along the lane.
  layer.addEventListener("keydown", (e) => {
    if (!e.target.classList.contains("bar") || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key)) return;
    const lane = [...layer.querySelectorAll(`.bar[data-topic="${e.target.dataset.topic}"]`)];
    const i = lane.indexOf(e.target);
    const next = { ArrowLeft: lane[i - 1], ArrowRight: lane[i + 1], Home: lane[0], End: lane.at(-1) }[e.key];
    if (!next) return;
    e.preventDefault();
    e.target.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  });

  return { render, bars };
}
