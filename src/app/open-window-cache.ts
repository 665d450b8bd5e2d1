/**
 * Open-window pages (epochs in WORKER_SUBMISSION or REPUTER_SUBMISSION, globally or per topic:
 * what workers and dashboards poll) served from memory between transitions, in front of any
 * ReadModel. Such a page changes only when a transition commits, and every transition appends a
 * log record whose insert NOTIFYs epoch_windows_transitions on commit, naming the topics and the
 * states it touched (src/pubsub/commit-notice.ts). The composition root calls `invalidate(notice)`
 * on each notification and after each commit of its own, and `setListening()` as the LISTEN
 * connection comes and goes: nothing is cached while no one would hear of a change.
 *
 * A notice drops only the pages it can affect: a topic's page of a state when it names that topic
 * (or "any") and that state, a global page of a state when it names the state. So a page is never
 * older than the last commit this instance has heard of that could change it; a commit made by
 * another process shows once its notification arrives (about a millisecond). An entry also expires
 * after `ttlMs`, bounding staleness if the LISTEN connection dies without an error before its ping
 * notices. Concurrent misses of one page share one query; a failed query is not kept.
 */
import type { EpochState } from "../domain/index.js";
import { ANY_CHANGE, type CommitNotice } from "./commit-notice.js";
import { WINDOW_STATES, WindowScopeIndex, type WindowScope } from "./window-scopes.js";
import type { EpochPage, LogFilter, LogPage, ReadModel, SortedEpochPage } from "./read-model.js";
import type { EpochFilter, EpochKey, EpochRecord, TopicRecord, TransitionLogRecord } from "./records.js";

export interface OpenWindowCacheOptions {
  /** Longest an entry is served, ms. */
  readonly ttlMs: number;
  /** Epoch rows kept over all entries; the oldest entries go first beyond it. */
  readonly maxRows?: number;
  readonly now?: () => number;
  /** Told of every cacheable read while listening: served from memory (hit) or loaded (miss). */
  readonly onRead?: (hit: boolean) => void;
}

interface Entry {
  readonly expiresAt: number;
  readonly value: Promise<unknown>;
  readonly scope: WindowScope;
  rows: number;
}

/** The scope of open-window filters (exactly one submission state, at most one topic), null for anything else. */
function windowScope(filter: EpochFilter): WindowScope | null {
  const { topicId, states: given, ...rest } = filter;
  // topicIds and time ranges are dashboard queries: not cached.
  if (Object.values(rest).some((v) => v !== undefined)) return null;
  const states = given && [...new Set(given)];
  if (states?.length !== 1 || !WINDOW_STATES.includes(states[0]!)) return null;
  return { state: states[0]!, topic: topicId === undefined ? "*" : String(topicId) };
}

export class OpenWindowCache implements ReadModel {
  private readonly entries = new Map<string, Entry>();
  private readonly scopes = new WindowScopeIndex();
  private rows = 0;
  private listening = false;
  private readonly maxRows: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: ReadModel,
    private readonly options: OpenWindowCacheOptions,
  ) {
    this.maxRows = options.maxRows ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  /** A transition committed somewhere: drop the pages it can have changed (all of them without a notice). */
  invalidate(notice: CommitNotice = ANY_CHANGE): void {
    if (notice.topics === "any" && notice.states === "any") {
      this.entries.clear();
      this.scopes.clear();
      this.rows = 0;
      return;
    }
    for (const key of this.scopes.affected(notice)) {
      const entry = this.entries.get(key);
      if (entry) this.remove(key, entry);
    }
  }

  /** Whether commits are being heard; while not, every read goes to the inner model. */
  setListening(up: boolean): void {
    this.listening = up;
    this.invalidate();
  }

  listEpochs(filter: EpochFilter, page: SortedEpochPage): Promise<EpochRecord[]> {
    const scope = windowScope(filter);
    if (scope === null) return this.inner.listEpochs(filter, page);
    const after = page.after ? `${page.after.startAt},${page.after.topicId},${page.after.nonce}` : "";
    const key = `list|${scope.topic}|${scope.state}|${page.sort ?? "NEWEST_FIRST"}|${after}|${page.limit}`;
    return this.cached(key, scope, () => this.inner.listEpochs(filter, page), (rows) => rows.length);
  }

  countEpochs(filter: EpochFilter): Promise<number> {
    const scope = windowScope(filter);
    if (scope === null) return this.inner.countEpochs(filter);
    return this.cached(`count|${scope.topic}|${scope.state}`, scope, () => this.inner.countEpochs(filter), () => 1);
  }

  private cached<T>(key: string, scope: WindowScope, load: () => Promise<T>, size: (value: T) => number): Promise<T> {
    if (!this.listening) return load();
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) {
      this.options.onRead?.(true);
      return hit.value as Promise<T>;
    }
    this.options.onRead?.(false);
    if (hit) this.remove(key, hit);
    const value = load();
    const entry: Entry = { expiresAt: now + this.options.ttlMs, value, scope, rows: 0 };
    this.entries.set(key, entry);
    this.scopes.add(key, scope);
    value.then(
      (v) => {
        // Invalidated (or replaced) while loading: the answer is returned, not kept.
        if (this.entries.get(key) !== entry) return;
        entry.rows = size(v);
        this.rows += entry.rows;
        for (const [k, e] of this.entries) {
          if (this.rows <= this.maxRows) break;
          this.remove(k, e);
        }
      },
      () => {
        if (this.entries.get(key) === entry) this.remove(key, entry);
      },
    );
    return value;
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.rows -= entry.rows;
    this.scopes.delete(key, entry.scope);
  }

  // Everything else reads through.
  topics(ids: readonly bigint[]): Promise<TopicRecord[]> {
    return this.inner.topics(ids);
  }
  listTopics(opts: { active?: boolean; afterId?: bigint; limit: number }): Promise<TopicRecord[]> {
    return this.inner.listTopics(opts);
  }
  countTopics(opts: { active?: boolean }): Promise<number> {
    return this.inner.countTopics(opts);
  }
  epochs(keys: readonly EpochKey[]): Promise<EpochRecord[]> {
    return this.inner.epochs(keys);
  }
  listEpochsOfTopics(topicIds: readonly bigint[], states: readonly EpochState[] | undefined, page: EpochPage): Promise<EpochRecord[]> {
    return this.inner.listEpochsOfTopics(topicIds, states, page);
  }
  countEpochsOfTopics(topicIds: readonly bigint[], states: readonly EpochState[] | undefined): Promise<Map<bigint, number>> {
    return this.inner.countEpochsOfTopics(topicIds, states);
  }
  countByState(topicId?: bigint): Promise<Map<EpochState, number>> {
    return this.inner.countByState(topicId);
  }
  reputerOverlaps(keys: readonly EpochKey[]): Promise<EpochKey[]> {
    return this.inner.reputerOverlaps(keys);
  }
  transitionRecords(ids: readonly bigint[]): Promise<TransitionLogRecord[]> {
    return this.inner.transitionRecords(ids);
  }
  listTransitions(filter: LogFilter, page: LogPage): Promise<TransitionLogRecord[]> {
    return this.inner.listTransitions(filter, page);
  }
  listTransitionsOfEpochs(keys: readonly EpochKey[], page: LogPage): Promise<TransitionLogRecord[]> {
    return this.inner.listTransitionsOfEpochs(keys, page);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
}
