// Live dashboard: open windows with countdowns, counts by state, and transitions as they commit.
// Speaks the graphql-transport-ws protocol over a plain WebSocket (no bundle, no CDN).
const STATES = ["INIT", "WORKER_SUBMISSION", "WAITING_GROUND_TRUTH", "REPUTER_SUBMISSION", "PENDING_COMPLETION", "COMPLETED", "CANCELLED"];
const MAX_TRANSITIONS = 50;
const $ = (id) => document.getElementById(id);

// The credential (API key or JWT) when the API requires one: from the form, or from a link's
// fragment (#key=…, never sent to the server), kept for this tab only.
const CREDENTIAL = "epoch-windows.credential";
const fromFragment = new URLSearchParams(location.hash.slice(1)).get("key");
if (fromFragment) {
  sessionStorage.setItem(CREDENTIAL, fromFragment);
  history.replaceState(null, "", location.pathname + location.search);
}
const credential = () => sessionStorage.getItem(CREDENTIAL);
const bearer = () => (credential() ? { authorization: `Bearer ${credential()}` } : {});

function askForCredential(reason) {
  $("status").textContent = reason;
  $("status").className = "status down";
  $("sign-in").hidden = false;
}

$("sign-in").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(CREDENTIAL, $("credential").value.trim());
  location.reload();
});

async function query(q, variables = {}) {
  const res = await fetch("/graphql", { method: "POST", headers: { "content-type": "application/json", ...bearer() }, body: JSON.stringify({ query: q, variables }) });
  const body = await res.json();
  if (body.errors) {
    const codes = body.errors.map((e) => e.extensions?.code);
    if (codes.includes("UNAUTHENTICATED") || codes.includes("FORBIDDEN")) askForCredential("credential required");
    throw new Error(body.errors.map((e) => e.message).join("; "));
  }
  return body.data;
}

const SNAPSHOT = `query Dashboard {
  epochStateCounts { state count }
  openWorkerWindows(first: 500) { totalCount edges { node { topicId nonce workerWindow { closeAt } } } }
  openReputerWindows(first: 500) { totalCount edges { node { topicId nonce reputerWindow { closeAt } } } }
}`;

let windows = { worker: [], reputer: [] };

function renderCounts(counts) {
  const byState = new Map(counts.map((c) => [c.state, c.count]));
  $("counts").replaceChildren(...STATES.map((s) => {
    const el = document.createElement("div");
    el.className = "count";
    el.dataset.state = s;
    el.innerHTML = `<b>${byState.get(s) ?? 0}</b><span>${s}</span>`;
    return el;
  }));
}

function countdown(closeAt) {
  const ms = Date.parse(closeAt) - Date.now();
  return ms <= 0 ? "closing…" : `${(ms / 1000).toFixed(1)} s`;
}

function renderWindows() {
  for (const kind of ["worker", "reputer"]) {
    const rows = windows[kind]
      .slice()
      .sort((a, b) => Date.parse(a.closeAt) - Date.parse(b.closeAt))
      .map((w) => `<tr data-topic="${w.topicId}"><td>${w.topicId}</td><td class="nonce">${w.nonce}</td><td>${countdown(w.closeAt)}</td></tr>`);
    $(`${kind}-windows`).innerHTML = rows.join("");
    $(`${kind}-total`).textContent = String(windows[kind].length);
  }
}

async function refresh() {
  const d = await query(SNAPSHOT);
  renderCounts(d.epochStateCounts);
  windows = {
    worker: d.openWorkerWindows.edges.map(({ node }) => ({ topicId: node.topicId, nonce: node.nonce, closeAt: node.workerWindow.closeAt })),
    reputer: d.openReputerWindows.edges.map(({ node }) => ({ topicId: node.topicId, nonce: node.nonce, closeAt: node.reputerWindow.closeAt })),
  };
  renderWindows();
}

function addTransition(t) {
  const tr = document.createElement("tr");
  tr.className = "fresh";
  tr.dataset.cursor = t.cursor;
  tr.innerHTML = `<td>${new Date(t.at).toLocaleTimeString()}</td><td>${t.topicId}</td><td class="nonce">${t.nonce}</td><td>${t.transition}</td><td>${t.to}</td><td>${t.source}</td>`;
  const body = $("transitions");
  body.prepend(tr);
  while (body.children.length > MAX_TRANSITIONS) body.lastElementChild.remove();
}

// Refreshing the snapshot on every event would hammer the API under load: coalesce to one per 500 ms.
let refreshTimer = null;
function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; refresh().catch(console.error); }, 500);
}

function subscribe() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  const ws = new WebSocket(url, "graphql-transport-ws");
  let lastCursor = sessionStorage.getItem("epoch-windows.cursor");
  ws.onopen = () => ws.send(JSON.stringify({ type: "connection_init", payload: bearer() }));
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === "connection_ack") {
      $("status").textContent = "live";
      $("status").className = "status live";
      ws.send(JSON.stringify({
        id: "t", type: "subscribe",
        payload: {
          query: `subscription($after: String) { epochTransitioned(after: $after) { cursor at topicId nonce transition to source } }`,
          variables: { after: lastCursor },
        },
      }));
    } else if (msg.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
    } else if (msg.type === "next" && msg.payload.data) {
      const t = msg.payload.data.epochTransitioned;
      lastCursor = t.cursor;
      sessionStorage.setItem("epoch-windows.cursor", t.cursor);
      addTransition(t);
      scheduleRefresh();
    } else if (msg.type === "error" || (msg.type === "next" && msg.payload.errors)) {
      console.error("subscription error", msg.payload);
      ws.close();
    }
  };
  ws.onclose = (e) => {
    // 4401/4403: no or a refused credential; retrying with the same one cannot help.
    if (e.code === 4401 || e.code === 4403) return askForCredential(credential() ? "credential refused" : "credential required");
    $("status").textContent = "reconnecting…";
    $("status").className = "status down";
    setTimeout(subscribe, 1000);
  };
}

sessionStorage.removeItem("epoch-windows.cursor"); // a fresh page starts live; reconnects resume
refresh().catch((e) => { $("status").textContent = `error: ${e.message}`; $("status").className = "status down"; });
setInterval(renderWindows, 200);
setInterval(() => refresh().catch(console.error), 5000);
subscribe();
