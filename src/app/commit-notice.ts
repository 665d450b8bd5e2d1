/**
 * What a commit notice says changed (the payload of epoch_windows_transitions, written per INSERT
 * statement by the trigger in prisma/migrations/20261204100000_transition_notify_payload):
 * `v1;<states>;<topics>`, the states touched (from ∪ to) and the topics, or `*` for "any topic"
 * when the list would not fit in a NOTIFY. Anything else (an empty payload from an older server,
 * a format this version does not know) means "anything may have changed", so it is always safe.
 */
import type { TransitionLogRecord } from "../app/records.js";
import type { EpochState } from "../domain/index.js";

export interface CommitNotice {
  /** The topics whose epochs changed; "any" when not known. */
  readonly topics: ReadonlySet<bigint> | "any";
  /** Every state an epoch left or entered; "any" when not known. */
  readonly states: ReadonlySet<EpochState> | "any";
}

export const ANY_CHANGE: CommitNotice = { topics: "any", states: "any" };

const FORMAT = /^v1;(\d+(?:,\d+)*);(\*|\d+(?:,\d+)*)$/;

export function parseCommitNotice(payload: string | undefined): CommitNotice {
  const m = payload ? FORMAT.exec(payload) : null;
  if (!m) return ANY_CHANGE;
  const states = new Set(m[1]!.split(",").map((s) => Number(s) as EpochState));
  const topics = m[2] === "*" ? "any" : new Set(m[2]!.split(",").map((t) => BigInt(t)));
  return { topics, states };
}

/** The notice this process's own commit will send, built from its log records. */
export function noticeOfRecords(records: readonly TransitionLogRecord[]): CommitNotice {
  const topics = new Set<bigint>();
  const states = new Set<EpochState>();
  for (const r of records) {
    topics.add(r.topicId);
    states.add(r.from);
    states.add(r.to);
  }
  return { topics, states };
}
