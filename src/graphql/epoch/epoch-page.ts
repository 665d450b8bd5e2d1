/** Builds epoch connections from rows fetched with limit + 1, and reads their cursors. */
import type { EpochFilter as RecordFilter, EpochPosition, EpochRecord } from "../../app/records.js";
import { PageInfo } from "../common/page-info.type.js";
import { epochCursor } from "../cursors.js";
import { splitPage } from "../pagination.js";
import { EpochConnection, EpochEdge } from "./epoch-connection.type.js";
import type { EpochFilter } from "./epoch-filter.input.js";
import { Epoch } from "./epoch.type.js";

export function epochPosition(r: EpochRecord): EpochPosition {
  return { startAt: r.windows.workerOpenAt, topicId: r.topicId, nonce: r.nonce };
}

export function epochConnection(rows: EpochRecord[], limit: number, count: () => Promise<number>): EpochConnection {
  const { items, hasNextPage } = splitPage(rows, limit);
  const edges = items.map((r) => new EpochEdge(epochPosition(r), Epoch.of(r)));
  return new EpochConnection(edges, PageInfo.lazy(hasNextPage, () => edges.at(-1)?.cursor ?? null), count);
}

export function afterEpoch(after: string | null | undefined): EpochPosition | undefined {
  return after === null || after === undefined ? undefined : epochCursor.decode(after);
}

/** `state` and `states` together mean both must match. */
export function recordFilter(where: EpochFilter | null | undefined): RecordFilter {
  if (!where) return {};
  const { topicId, state, states } = where;
  const effective = state != null ? (states ? states.filter((s) => s === state) : [state]) : (states ?? undefined);
  return { topicId: topicId ?? undefined, states: effective };
}
