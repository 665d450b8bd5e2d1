/**
 * Cached entries indexed by what they list: one submission state, of one topic or of all. A commit
 * notice (src/pubsub/commit-notice.ts) names the topics and states a commit touched; `affected`
 * answers which entries it can have changed without looking at the others, so a notice for one
 * topic costs the same whether a thousand topics' pages are cached or none.
 */
import { EpochState } from "../domain/index.js";
import type { CommitNotice } from "./commit-notice.js";

/** What an entry lists: epochs in `state`, of topic `topic` (a decimal uint64) or of all ("*"). */
export interface WindowScope {
  readonly state: EpochState;
  readonly topic: string;
}

export const WINDOW_STATES: readonly EpochState[] = [EpochState.WORKER_SUBMISSION, EpochState.REPUTER_SUBMISSION];

export class WindowScopeIndex {
  private readonly byState = new Map<EpochState, Map<string, Set<string>>>();

  add(key: string, scope: WindowScope): void {
    let byTopic = this.byState.get(scope.state);
    if (!byTopic) this.byState.set(scope.state, (byTopic = new Map()));
    let keys = byTopic.get(scope.topic);
    if (!keys) byTopic.set(scope.topic, (keys = new Set()));
    keys.add(key);
  }

  delete(key: string, scope: WindowScope): void {
    const byTopic = this.byState.get(scope.state);
    const keys = byTopic?.get(scope.topic);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) byTopic!.delete(scope.topic);
  }

  clear(): void {
    this.byState.clear();
  }

  /** Keys of the entries a change described by `notice` can affect (a copy: the caller may delete while walking it). */
  affected(notice: CommitNotice): string[] {
    const out: string[] = [];
    for (const state of WINDOW_STATES) {
      if (notice.states !== "any" && !notice.states.has(state)) continue;
      const byTopic = this.byState.get(state);
      if (!byTopic) continue;
      if (notice.topics === "any") {
        for (const keys of byTopic.values()) out.push(...keys);
        continue;
      }
      out.push(...(byTopic.get("*") ?? []));
      // Walk the shorter of the two lists: a batch may name thousands of topics, few may be cached.
      if (notice.topics.size <= byTopic.size) {
        for (const t of notice.topics) out.push(...(byTopic.get(String(t)) ?? []));
      } else {
        for (const [t, keys] of byTopic) if (t !== "*" && notice.topics.has(BigInt(t))) out.push(...keys);
      }
    }
    return out;
  }
}
