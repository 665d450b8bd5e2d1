// Formatting shared by every panel: readable nonces, local times with UTC on hover, small DOM helpers.

const PAYLOAD_BITS = 56n;
const PAYLOAD_MASK = (1n << PAYLOAD_BITS) - 1n;

/** "72057594037927947" → "v1/11" (top byte version, low 56 bits payload), as the API accepts it. */
export function readableNonce(nonce) {
  const n = BigInt(nonce);
  return `v${n >> PAYLOAD_BITS}/${n & PAYLOAD_MASK}`;
}

export const epochKey = (topicId, nonce) => `${topicId}/${nonce}`;

/** Orders decimal uint64 strings numerically (topic ids, nonces). */
export const compareIds = (a, b) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0);

export const ms = (iso) => Date.parse(iso);

export const localTime = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** uPlot axis labels (seconds) in local time: 14:05 on whole minutes, 14:05:30 otherwise. */
export const axisTimes = (_u, ticks) => ticks.map((t) =>
  new Date(t * 1000).toLocaleTimeString([], t % 60 ? { hour: "2-digit", minute: "2-digit", second: "2-digit" } : { hour: "2-digit", minute: "2-digit" }));

export const utc = (t) => new Date(t).toISOString().replace("T", " ").replace("Z", " UTC");

/** A <time> showing local time, with the exact UTC instant on hover. */
export function timeEl(t) {
  const el = document.createElement("time");
  el.dateTime = new Date(t).toISOString();
  el.title = utc(t);
  el.textContent = localTime(t);
  return el;
}

/** A readable nonce with the full value on hover (and in the copy buffer when copied as text). */
export function nonceEl(nonce) {
  const el = document.createElement("span");
  el.className = "nonce";
  el.title = nonce;
  el.dataset.nonce = nonce;
  el.textContent = readableNonce(nonce);
  return el;
}

export function duration(msValue) {
  const sign = msValue < 0 ? "−" : "";
  const s = Math.abs(msValue) / 1000;
  if (s < 1) return `${sign}${Math.round(s * 1000)} ms`;
  if (s < 90) return `${sign}${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 5400) return `${sign}${Math.round(s / 60)} min`;
  return `${sign}${(s / 3600).toFixed(1)} h`;
}

/** document.createElement with attributes and children, for the few places that build rows. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("data-")) el.dataset[k.slice(5).replace(/-(.)/g, (_, c) => c.toUpperCase())] = v;
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** Copies text, saying so on the button for a moment. */
export async function copyText(button, text) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "copied";
  } catch {
    // Clipboard refused (insecure origin, permission): select the text so the user can copy it.
    const target = button.previousElementSibling;
    if (target) getSelection().selectAllChildren(target);
    button.textContent = "press Ctrl+C";
  }
  setTimeout(() => { button.textContent = label; }, 1500);
}
