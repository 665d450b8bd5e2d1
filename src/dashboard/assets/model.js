// What the page knows: topics, epochs, transition records and count samples, merged from query
// answers and subscription events in any order (an epoch's `version` decides which copy is newer).
import { epochKey, ms } from "./format.js";

export const STATES = ["INIT", "WORKER_SUBMISSION", "WAITING_GROUND_TRUTH", "REPUTER_SUBMISSION", "PENDING_COMPLETION", "COMPLETED", "CANCELLED"];
export const LIVE_STATES = STATES.slice(0, 5);
const RANK = Object.fromEntries(STATES.map((s, i) => [s, i]));

export const model = {
  /** id → { id, epochLength, groundTruthLag, workerSubmissionWindow, active } */
  topics: new Map(),
  topicsLoaded: false,
  /** "topic/nonce" → epoch as the API returns it, times in ms. */
  epochs: new Map(),
  /** "topic/nonce/TRANSITION" → record (a transition happens at most once per epoch). */
  records: new Map(),
  /** { t, byState } samples of epochStateCounts, for the sparklines; reset on a focus change. */
  countSamples: [],
  /** Paging back through epochs (newest first) for older history. */
  older: { cursor: null, hasMore: false },
};

export function mergeTopic(t) {
  model.topics.set(t.id, t);
}

export function mergeEpoch(e) {
  const key = epochKey(e.topicId, e.nonce);
  const known = model.epochs.get(key);
  if (known && known.version > e.version) return known;
  const epoch = {
    key, topicId: e.topicId, nonce: e.nonce, state: e.state, version: e.version,
    worker: { openAt: ms(e.workerWindow.openAt), closeAt: ms(e.workerWindow.closeAt) },
    reputer: { openAt: ms(e.reputerWindow.openAt), closeAt: ms(e.reputerWindow.closeAt) },
  };
  model.epochs.set(key, epoch);
  return epoch;
}

/** Returns true when the record was new. */
export function mergeRecord(r, { fresh = false } = {}) {
  const key = `${epochKey(r.topicId, r.nonce)}/${r.transition}`;
  if (model.records.has(key)) return false;
  model.records.set(key, {
    key, cursor: r.cursor, topicId: r.topicId, nonce: r.nonce, transition: r.transition, from: r.from, to: r.to,
    source: r.source, at: ms(r.at), dueAt: r.dueAt ? ms(r.dueAt) : null, fresh,
  });
  return true;
}

/**
 * Where a window stands: upcoming, open, closed or cancelled, from the epoch's state (the truth);
 * "opening late" / "closing late" when the clock has passed the due instant but the state has not.
 */
export function windowPhase(epoch, kind, now) {
  const submission = kind === "worker" ? RANK.WORKER_SUBMISSION : RANK.REPUTER_SUBMISSION;
  const w = epoch[kind];
  if (epoch.state === "CANCELLED") {
    const closed = model.records.has(`${epoch.key}/${kind === "worker" ? "CLOSE_WORKER_WINDOW" : "CLOSE_REPUTER_WINDOW"}`);
    return closed ? "closed" : "cancelled";
  }
  const rank = RANK[epoch.state];
  if (rank < submission) return now > w.openAt ? "opening-late" : "upcoming";
  if (rank === submission) return now > w.closeAt ? "closing-late" : "open";
  return "closed";
}

/** Nearest-rank percentile of ascending-sorted values. */
export function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Scheduler lateness (at − dueAt) of the records that had a due instant, in buckets ending now. */
export function lateness(records, now, spanMs, bucketMs) {
  const from = now - spanMs;
  const buckets = new Map();
  const all = [];
  for (const r of records) {
    if (r.dueAt === null || r.at < from) continue;
    const late = r.at - r.dueAt;
    all.push(late);
    const b = Math.floor(r.at / bucketMs) * bucketMs;
    if (!buckets.has(b)) buckets.set(b, []);
    buckets.get(b).push(late);
  }
  const xs = [], p50 = [], p99 = [];
  for (let b = Math.floor(from / bucketMs) * bucketMs; b <= now; b += bucketMs) {
    const v = (buckets.get(b) ?? []).sort((x, y) => x - y);
    xs.push(b / 1000);
    p50.push(percentile(v, 50));
    p99.push(percentile(v, 99));
  }
  all.sort((x, y) => x - y);
  return { xs, p50, p99, n: all.length, p50All: percentile(all, 50), p99All: percentile(all, 99), max: all.at(-1) ?? null };
}

/** Forgets finished epochs and their records once they are well out of view (bounded memory). */
export function prune(before) {
  for (const [key, e] of model.epochs) {
    if (!LIVE_STATES.includes(e.state) && Math.max(e.worker.closeAt, e.reputer.closeAt) < before) model.epochs.delete(key);
  }
  const records = [...model.records.values()];
  if (records.length > 5000) {
    records.sort((a, b) => a.at - b.at);
    for (const r of records.slice(0, records.length - 5000)) model.records.delete(r.key);
  }
}
