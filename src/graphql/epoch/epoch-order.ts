/**
 * The `orderBy` of epoch listings. CLOSING_SOONEST depends on the list: the window a submitter of
 * that list must act in (openWorkerWindows: the worker window; openReputerWindows: the reputer
 * window; epochs: the worker window when every filtered state is INIT or WORKER_SUBMISSION, the
 * reputer window otherwise). See docs/api.md.
 */
import { registerEnumType } from "type-graphql";
import type { EpochSort } from "../../app/records.js";
import { EpochState } from "../../domain/index.js";

export enum EpochOrder {
  NEWEST_FIRST = "NEWEST_FIRST",
  OLDEST_FIRST = "OLDEST_FIRST",
  CLOSING_SOONEST = "CLOSING_SOONEST",
}

registerEnumType(EpochOrder, {
  name: "EpochOrder",
  description: "Order of an epoch listing; ties are broken by (topicId, nonce) in the same direction.",
  valuesConfig: {
    NEWEST_FIRST: { description: "Latest start (worker window opening) first: the default." },
    OLDEST_FIRST: { description: "Earliest start first: reputers with overlapping windows submit for the oldest first." },
    CLOSING_SOONEST: {
      description:
        "The window that closes first comes first (what a submitter should do next): the worker window on openWorkerWindows, " +
        "the reputer window on openReputerWindows; on epochs, the worker window when the filter admits only INIT and " +
        "WORKER_SUBMISSION, else the reputer window.",
    },
  },
});

/** Which window CLOSING_SOONEST sorts by on a given list. */
export type ClosingWindow = "WORKER" | "REPUTER";

export function epochSort(order: EpochOrder | null | undefined, closing: ClosingWindow): EpochSort {
  switch (order ?? EpochOrder.NEWEST_FIRST) {
    case EpochOrder.NEWEST_FIRST:
      return "NEWEST_FIRST";
    case EpochOrder.OLDEST_FIRST:
      return "OLDEST_FIRST";
    case EpochOrder.CLOSING_SOONEST:
      return closing === "WORKER" ? "WORKER_CLOSE_SOONEST" : "REPUTER_CLOSE_SOONEST";
  }
}

/** On `epochs`: the worker window closes next only for epochs not yet past it. */
export function closingWindowOf(states: readonly EpochState[] | undefined): ClosingWindow {
  return states !== undefined && states.every((s) => s === EpochState.INIT || s === EpochState.WORKER_SUBMISSION) ? "WORKER" : "REPUTER";
}
