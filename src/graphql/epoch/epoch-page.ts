/** Builds epoch connections from rows fetched with limit + 1, and reads their cursors. */
import type { EpochFilter as RecordFilter, EpochPosition, EpochRecord, EpochSort } from "../../app/records.js";
import { InvalidInputError } from "../../domain/index.js";
import { PageInfo } from "../common/page-info.type.js";
import { sortedEpochCursor } from "../cursors.js";
import { splitPage } from "../pagination.js";
import { EpochConnection, EpochEdge } from "./epoch-connection.type.js";
import type { EpochFilter } from "./epoch-filter.input.js";
import { Epoch } from "./epoch.type.js";

/** More topics per `topicIds` filter are refused: each one is a probe of its own. */
const MAX_TOPIC_IDS = 50;

const SORT_INSTANT: Readonly<Record<EpochSort, (r: EpochRecord) => number>> = {
  NEWEST_FIRST: (r) => r.windows.workerOpenAt,
  OLDEST_FIRST: (r) => r.windows.workerOpenAt,
  WORKER_CLOSE_SOONEST: (r) => r.windows.workerCloseAt,
  REPUTER_CLOSE_SOONEST: (r) => r.windows.reputerCloseAt,
};

function epochPosition(r: EpochRecord, sort: EpochSort = "NEWEST_FIRST"): EpochPosition {
  return { startAt: SORT_INSTANT[sort](r), topicId: r.topicId, nonce: r.nonce };
}

export function epochConnection(rows: EpochRecord[], limit: number, count: () => Promise<number>, sort: EpochSort = "NEWEST_FIRST"): EpochConnection {
  const { items, hasNextPage } = splitPage(rows, limit);
  const edges = items.map((r) => new EpochEdge(epochPosition(r, sort), Epoch.of(r), sort));
  return new EpochConnection(edges, PageInfo.lazy(hasNextPage, () => edges.at(-1)?.cursor ?? null), count);
}

export function afterEpoch(after: string | null | undefined, sort: EpochSort = "NEWEST_FIRST"): EpochPosition | undefined {
  return after === null || after === undefined ? undefined : sortedEpochCursor.decode(after, sort);
}

/** `state` and `states` together mean both must match; so do `topicId` and `topicIds`. Refuses empty ranges. */
export function recordFilter(where: EpochFilter | null | undefined): RecordFilter {
  if (!where) return {};
  const { topicId, topicIds, state, states } = where;
  const effective = state != null ? (states ? states.filter((s) => s === state) : [state]) : (states ?? undefined);
  if (topicIds && topicIds.length > MAX_TOPIC_IDS) {
    throw new InvalidInputError(`where.topicIds lists ${topicIds.length} topics; at most ${MAX_TOPIC_IDS} are allowed`, "where.topicIds");
  }
  const at = (d: Date | null | undefined) => (d == null ? undefined : d.getTime());
  const filter: RecordFilter = {
    topicId: topicId ?? undefined,
    topicIds: topicIds ?? undefined,
    states: effective,
    workerOpensAfter: at(where.workerOpensAfter),
    workerOpensBefore: at(where.workerOpensBefore),
    reputerClosesAfter: at(where.reputerClosesAfter),
    reputerClosesBefore: at(where.reputerClosesBefore),
  };
  const range = (after: number | undefined, before: number | undefined, name: string) => {
    if (after !== undefined && before !== undefined && after >= before) {
      throw new InvalidInputError(`where.${name}Before must be later than where.${name}After (the range is after ≤ instant < before)`, `where.${name}Before`);
    }
  };
  range(filter.workerOpensAfter, filter.workerOpensBefore, "workerOpens");
  range(filter.reputerClosesAfter, filter.reputerClosesBefore, "reputerCloses");
  return filter;
}

/** Whether a filter needs more than the per-topic batched listing (topicIds or time ranges). */
export function needsFullListing(filter: RecordFilter): boolean {
  const { topicId: _t, states: _s, ...rest } = filter;
  return Object.values(rest).some((v) => v !== undefined);
}
