/** Builds transition-log connections from rows fetched with limit + 1. */
import type { LogPosition, TransitionLogRecord } from "../../app/records.js";
import { PageInfo } from "../common/page-info.type.js";
import { transitionCursor } from "../cursors.js";
import { splitPage } from "../pagination.js";
import { TransitionConnection, TransitionEdge } from "./transition-connection.type.js";
import { TransitionRecord } from "./transition-record.type.js";

export function transitionConnection(rows: TransitionLogRecord[], limit: number): TransitionConnection {
  const { items, hasNextPage } = splitPage(rows, limit);
  const edges = items.map((r) => {
    const node = TransitionRecord.of(r);
    return Object.assign(new TransitionEdge(), { cursor: node.cursor, node });
  });
  return Object.assign(new TransitionConnection(), { edges, pageInfo: PageInfo.of(hasNextPage, edges.map((e) => e.cursor)) });
}

export function afterTransition(after: string | null | undefined): LogPosition | undefined {
  return after === null || after === undefined ? undefined : transitionCursor.decode(after);
}
