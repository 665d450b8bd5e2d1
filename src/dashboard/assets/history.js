// Tables: the windows open now (with countdowns) and the transition history, newest first.
import { duration, h, nonceEl, timeEl } from "./format.js";

const PAGE = 50;

/** Windows open now, soonest to close first; rows keep `data-topic` for filtering and tests. */
export function renderOpenWindows(body, total, epochs, kind, now) {
  const open = epochs
    .filter((e) => e.state === (kind === "worker" ? "WORKER_SUBMISSION" : "REPUTER_SUBMISSION"))
    .sort((a, b) => a[kind].closeAt - b[kind].closeAt);
  body.replaceChildren(...open.map((e) => {
    const left = e[kind].closeAt - now;
    return h("tr", { "data-topic": e.topicId, "data-nonce": e.nonce },
      h("td", {}, e.topicId), h("td", {}, nonceEl(e.nonce)),
      h("td", { class: left < 0 ? "late" : "" }, left < 0 ? `late ${duration(-left)}` : duration(left)),
      h("td", {}, timeEl(e[kind].closeAt)));
  }));
  total.textContent = String(open.length);
}

export function createHistory(body, { more, note }) {
  const rows = new Map(); // record key → <tr>, so a row is built once and keeps its highlight
  let shown = PAGE;

  function row(r) {
    let tr = rows.get(r.key);
    if (!tr) {
      const late = r.dueAt === null ? "" : duration(r.at - r.dueAt);
      tr = h("tr", { class: r.fresh ? "fresh" : "", "data-topic": r.topicId, "data-transition": r.transition },
        h("td", {}, timeEl(r.at)), h("td", {}, r.topicId), h("td", {}, nonceEl(r.nonce)),
        h("td", {}, r.transition), h("td", {}, `${r.from} → ${r.to}`), h("td", {}, r.source.toLowerCase()),
        h("td", { class: "num", title: r.dueAt === null ? "not scheduled" : "commit time minus due time" }, late));
      tr.addEventListener("animationend", () => tr.classList.remove("fresh"));
      r.fresh = false; // highlighted once, when it arrives
      rows.set(r.key, tr);
    }
    return tr;
  }

  /** `records` already filtered to the focus; `hasOlder` when the API has more to page back to. */
  function render(records, hasOlder) {
    const sorted = records.sort((a, b) => b.at - a.at || (b.cursor > a.cursor ? 1 : -1));
    const visible = sorted.slice(0, shown);
    const wanted = new Set(visible.map(row));
    for (const tr of [...body.children]) if (!wanted.has(tr)) tr.remove();
    visible.forEach((r, i) => { const tr = rows.get(r.key); if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] ?? null); });
    for (const [key, tr] of rows) if (!tr.isConnected) rows.delete(key);
    more.hidden = !(hasOlder || sorted.length > shown);
    note.textContent = sorted.length ? `${visible.length} of ${sorted.length}${hasOlder ? "+" : ""} shown` : "nothing yet";
  }

  return {
    render,
    /** Shows one more page; returns true when the rows already loaded are not enough. */
    showMore(loaded) {
      shown += PAGE;
      return loaded < shown;
    },
    reset() { shown = PAGE; rows.clear(); body.replaceChildren(); },
  };
}
