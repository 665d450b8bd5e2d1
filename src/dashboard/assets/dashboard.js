// Live dashboard, entry point: loads a snapshot, follows every committed transition over one
// subscription, and redraws. Data arrives only by queries and the subscription (no polling); a
// timer only moves the "now" line and the countdowns.
import { AuthError, credential, query, setCredential, subscribe } from "./api.js";
import { compareIds, copyText, h, readableNonce, timeEl } from "./format.js";
import { createLatenessChart, renderCounts } from "./health.js";
import { createHistory, renderOpenWindows } from "./history.js";
import { LIVE_STATES, mergeEpoch, mergeRecord, mergeTopic, model, prune, windowPhase } from "./model.js";
import { createTimeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const SPARK_KEEP_MS = 11 * 60_000;

// ---- view: what the URL says (?topic=…&past=…&ahead=…, seconds) ----
const params = new URLSearchParams(location.search);
const narrow = matchMedia("(max-width: 600px)").matches;
const seconds = (name, fallback) => (/^\d{1,5}$/.test(params.get(name) ?? "") ? Math.max(10, Number(params.get(name))) : fallback);
const view = {
  focus: /^\d{1,20}$/.test(params.get("topic") ?? "") ? params.get("topic") : null,
  past: seconds("past", narrow ? 60 : 120),
  ahead: seconds("ahead", narrow ? 120 : 300),
  frozenAt: null, // set while paused: the axis stays, the now line moves on
};
let generation = 0; // answers to queries made for an earlier focus are dropped

function writeUrl() {
  const p = new URLSearchParams();
  if (view.focus) p.set("topic", view.focus);
  if (params.has("past") || view.past !== (narrow ? 60 : 120)) p.set("past", String(view.past));
  if (params.has("ahead") || view.ahead !== (narrow ? 120 : 300)) p.set("ahead", String(view.ahead));
  history.replaceState(null, "", `${location.pathname}${p.size ? `?${p}` : ""}`);
}

// ---- queries ----
const EPOCH = `fragment E on Epoch { topicId nonce state version workerWindow { openAt closeAt } reputerWindow { openAt closeAt } }`;
const RECORD = `fragment R on TransitionRecord { cursor topicId nonce transition from to at dueAt source }`;
const TOPICS = `topics(first: 500) @include(if: $withTopics) { totalCount edges { node { id epochLength groundTruthLag workerSubmissionWindow active missedStarts } } }`;
const PAGE = `edges { node { ...E transitions(first: 6) { edges { node { ...R } } } } } pageInfo { hasNextPage endCursor }`;
const SNAPSHOT = `query Snapshot($topic: Uint64, $live: [EpochState!], $withTopics: Boolean = true) {
  ${TOPICS}
  epochStateCounts(topicId: $topic) { state count }
  live: epochs(where: { topicId: $topic, states: $live }, first: 500) { edges { node { ...E } } }
  recent: epochs(where: { topicId: $topic }, first: 100) { ${PAGE} }
} ${EPOCH} ${RECORD}`;
const OLDER = `query Older($topic: Uint64, $after: String) { epochs(where: { topicId: $topic }, first: 50, after: $after) { ${PAGE} } } ${EPOCH} ${RECORD}`;
const COUNTS = `query Counts($topic: Uint64, $withTopics: Boolean!) { ${TOPICS} epochStateCounts(topicId: $topic) { state count } }`;
const LIVE = `subscription Live($after: String) { epochTransitioned(after: $after) { ...R epoch { ...E } } } ${EPOCH} ${RECORD}`;

function takeTopics(topics) {
  if (!topics) return;
  model.topics.clear();
  for (const { node } of topics.edges) mergeTopic(node);
  model.topicsLoaded = true;
}
function takeCounts(counts) {
  model.countSamples.push({ t: Date.now(), byState: Object.fromEntries(counts.map((c) => [c.state, c.count])) });
  while (model.countSamples.length > 2 && model.countSamples[1].t < Date.now() - SPARK_KEEP_MS) model.countSamples.shift();
}
function takePage(page) {
  for (const { node } of page.edges) {
    mergeEpoch(node);
    for (const r of node.transitions.edges) mergeRecord(r.node);
  }
  model.older = { cursor: page.pageInfo.endCursor, hasMore: page.pageInfo.hasNextPage };
}

// A snapshot that failed (database down, say) is tried again when the subscription (re)connects.
let snapshot = { loaded: false, loading: false };
async function loadSnapshot() {
  const mine = ++generation;
  snapshot = { loaded: false, loading: true };
  let d;
  try {
    d = await query(SNAPSHOT, { topic: view.focus, live: LIVE_STATES });
  } finally {
    if (mine === generation) snapshot.loading = false;
  }
  if (mine !== generation) return;
  snapshot.loaded = true;
  takeTopics(d.topics);
  model.countSamples = [];
  takeCounts(d.epochStateCounts);
  for (const { node } of d.live.edges) mergeEpoch(node);
  takePage(d.recent);
  renderSoon();
}

async function loadOlder() {
  const mine = generation;
  const d = await query(OLDER, { topic: view.focus, after: model.older.cursor });
  if (mine !== generation) return;
  takePage(d.epochs);
  renderSoon();
}

// Counts (and topics, when an event names a new one) follow events, at most once a second.
let countsTimer = null;
let wantTopics = false;
function refreshCountsSoon(withTopics) {
  wantTopics ||= withTopics;
  if (countsTimer) return;
  countsTimer = setTimeout(async () => {
    const mine = generation;
    const withTopics = wantTopics;
    wantTopics = false;
    try {
      const d = await query(COUNTS, { topic: view.focus, withTopics });
      if (mine !== generation) return;
      takeTopics(d.topics);
      takeCounts(d.epochStateCounts);
      renderSoon();
    } catch (e) {
      failed(e);
    } finally {
      countsTimer = null;
    }
  }, 1000);
}

// ---- status and sign-in ----
function setStatus(text, kind) {
  $("status").textContent = text;
  $("status").className = `status ${kind}`;
}
function askForCredential(reason) {
  setStatus(reason, "down");
  $("sign-in").hidden = false;
}
function failed(e) {
  if (e instanceof AuthError) return askForCredential(credential() ? "credential refused" : "credential required");
  console.error(e);
  setStatus(`error: ${e.message}`, "down");
}
$("sign-in").addEventListener("submit", (e) => {
  e.preventDefault();
  setCredential($("credential").value.trim());
  location.reload();
});

// ---- panels ----
const timeline = createTimeline($("timeline"), { onTopic: (id) => setFocus(view.focus === id ? null : id), onEpoch: showDetails });
const lateness = createLatenessChart($("lateness"), $("lateness-summary"));
const historyTable = createHistory($("transitions"), { more: $("older"), note: $("history-note") });

const inFocus = (topicId) => view.focus === null || view.focus === topicId;
const axisNow = () => view.frozenAt ?? Date.now();

function laneTopics(epochs, min, max) {
  if (view.focus) return [model.topics.get(view.focus) ?? { id: view.focus }];
  const shown = new Set([...model.topics.values()].filter((t) => t.active).map((t) => t.id));
  for (const e of epochs) {
    if (Math.max(e.worker.closeAt, e.reputer.closeAt) >= min && e.worker.openAt <= max) shown.add(e.topicId);
  }
  return [...shown].sort(compareIds).map((id) => model.topics.get(id) ?? { id });
}

function renderTimeline(now = Date.now()) {
  const center = axisNow();
  const min = center - view.past * 1000;
  const max = center + view.ahead * 1000;
  const epochs = [...model.epochs.values()].filter((e) => inFocus(e.topicId));
  const byTopic = new Map();
  for (const e of epochs) {
    if (byTopic.has(e.topicId)) byTopic.get(e.topicId).push(e);
    else byTopic.set(e.topicId, [e]);
  }
  const topics = laneTopics(epochs, min, max);
  timeline.render({ now, min, max, topics, epochsByTopic: byTopic, focus: view.focus });
  $("timeline-empty").hidden = topics.length > 0;
  renderOpenWindows($("worker-windows"), $("worker-total"), epochs, "worker", now);
  renderOpenWindows($("reputer-windows"), $("reputer-total"), epochs, "reputer", now);
  if (pinned) fillDetails(pinned.key);
}

function renderAll() {
  const now = Date.now();
  prune(axisNow() - view.past * 1000 - 10 * 60_000);
  $("empty").hidden = !(model.topicsLoaded && model.topics.size === 0);
  renderFocusControls();
  renderTimeline(now);
  renderCounts($("counts"), model.countSamples, now);
  const records = [...model.records.values()].filter((r) => inFocus(r.topicId));
  lateness.render(records, now);
  historyTable.render(records, model.older.hasMore);
}

let frame = 0;
function renderSoon() {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; renderAll(); });
}

// ---- focus on one topic: lane title, the topic picker, or ?topic= ----
function renderFocusControls() {
  const select = $("topic-select");
  const ids = [...model.topics.keys()].sort(compareIds);
  if (view.focus && !ids.includes(view.focus)) ids.push(view.focus);
  const want = ["", ...ids].join(",");
  if (select.dataset.ids !== want) {
    select.replaceChildren(h("option", { value: "" }, "all topics"), ...ids.map((id) => h("option", { value: id }, `topic ${id}`)));
    select.dataset.ids = want;
  }
  select.value = view.focus ?? "";
  $("focus-note").hidden = !view.focus;
  $("focus-note-topic").textContent = view.focus ?? "";
  document.title = view.focus ? `topic ${view.focus} · epoch-windows` : "epoch-windows · live";
}

function setFocus(topicId) {
  if (topicId === view.focus) return;
  view.focus = topicId;
  writeUrl();
  model.records.clear();
  model.older = { cursor: null, hasMore: false };
  historyTable.reset();
  hideDetails(true);
  renderSoon();
  loadSnapshot().catch(failed);
}
$("topic-select").addEventListener("change", (e) => setFocus(e.target.value || null));
$("clear-focus").addEventListener("click", () => setFocus(null));

// ---- range and pause ----
for (const [id, key] of [["past", "past"], ["ahead", "ahead"]]) {
  const select = $(id);
  if (![...select.options].some((o) => Number(o.value) === view[key])) select.append(h("option", { value: String(view[key]) }, `${view[key]} s`));
  select.value = String(view[key]);
  select.addEventListener("change", () => { view[key] = Number(select.value); writeUrl(); renderSoon(); });
}
$("pause").addEventListener("click", () => {
  view.frozenAt = view.frozenAt ? null : Date.now();
  $("pause").setAttribute("aria-pressed", String(!!view.frozenAt));
  $("pause").textContent = view.frozenAt ? "resume" : "pause";
  renderSoon();
});
$("older").addEventListener("click", () => {
  const loaded = [...model.records.values()].filter((r) => inFocus(r.topicId)).length;
  if (historyTable.showMore(loaded) && model.older.hasMore) loadOlder().catch(failed);
  else renderSoon();
});
for (const button of document.querySelectorAll("button.copy")) {
  button.addEventListener("click", () => copyText(button, button.previousElementSibling.textContent));
}

// Copying a readable nonce (v1/11) copies the exact value the API returned.
document.addEventListener("copy", (e) => {
  const selection = getSelection();
  const node = selection?.anchorNode;
  const el = (node?.nodeType === Node.ELEMENT_NODE ? node : node?.parentElement)?.closest(".nonce");
  if (!el || selection.toString().trim() !== el.textContent) return;
  e.clipboardData.setData("text/plain", el.dataset.nonce);
  e.preventDefault();
});

// ---- epoch details: on hover or focus; a click or tap pins them until Escape or close ----
let pinned = null;
const details = $("details");
function fillDetails(key) {
  const e = model.epochs.get(key);
  if (!e) return hideDetails(true);
  const now = Date.now();
  const win = (kind) => h("dd", {}, timeEl(e[kind].openAt), " → ", timeEl(e[kind].closeAt), ` · ${windowPhase(e, kind, now).replace("-", " ")}`);
  const records = [...model.records.values()].filter((r) => r.topicId === e.topicId && r.nonce === e.nonce).sort((a, b) => a.at - b.at);
  details.replaceChildren(
    h("button", { type: "button", class: "close", "aria-label": "close details" }, "×"),
    h("h3", {}, `topic ${e.topicId} · epoch ${readableNonce(e.nonce)}`),
    h("dl", {},
      h("dt", {}, "nonce"), h("dd", {}, h("code", {}, e.nonce), h("button", { type: "button", class: "copy small" }, "copy")),
      h("dt", {}, "state"), h("dd", {}, e.state),
      h("dt", {}, "worker"), win("worker"),
      h("dt", {}, "reputer"), win("reputer")),
    records.length ? h("ol", { class: "epoch-log" }, records.map((r) => h("li", {}, timeEl(r.at), ` ${r.transition}`))) : null,
    h("p", { class: "hint" }, `times are local (${utcOffset()}); hover one for UTC`),
  );
  details.querySelector(".close").addEventListener("click", () => hideDetails(true));
  const copy = details.querySelector(".copy");
  copy.addEventListener("click", () => copyText(copy, e.nonce));
  details.dataset.key = key;
}
function utcOffset() {
  const minutes = -new Date().getTimezoneOffset();
  const sign = minutes < 0 ? "−" : "+";
  const abs = Math.abs(minutes);
  return minutes ? `UTC${sign}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, "0")}` : ""}` : "UTC";
}
function showDetails(key, anchor, pin) {
  if (pinned && !pin) return;
  if (pin && pinned?.key === key) return hideDetails(true);
  if (pin) pinned = { key };
  fillDetails(key);
  details.hidden = false;
  const r = anchor.getBoundingClientRect();
  const width = details.offsetWidth;
  details.style.left = `${Math.max(8, Math.min(innerWidth - width - 8, r.left)) + scrollX}px`;
  details.style.top = `${r.bottom + scrollY + 6}px`;
}
function hideDetails(unpin) {
  if (pinned && !unpin) return;
  pinned = null;
  details.hidden = true;
}
$("timeline").addEventListener("mouseout", (e) => { if (e.target.classList?.contains("bar")) hideDetails(false); });
$("timeline").addEventListener("focusout", (e) => { if (e.target.classList?.contains("bar") && !details.contains(e.relatedTarget)) hideDetails(false); });
document.addEventListener("keydown", (e) => { if (e.key === "Escape") hideDetails(true); });

// ---- start: subscribe first, then load, so nothing committed in between is missed ----
subscribe(LIVE, {
  onStatus: (s) => {
    if (s.startsWith("credential")) return askForCredential(s);
    if (s !== "live") return setStatus("reconnecting…", "down");
    setStatus("live", "live");
    if (!snapshot.loaded && !snapshot.loading) loadSnapshot().catch(failed);
  },
  onData: (t) => {
    mergeRecord(t, { fresh: true });
    mergeEpoch(t.epoch);
    refreshCountsSoon(!model.topics.has(t.topicId));
    renderSoon();
  },
});
loadSnapshot().catch(failed);
setInterval(() => renderTimeline(), 500);
setInterval(renderSoon, 2000);
new ResizeObserver(renderSoon).observe($("timeline"));
