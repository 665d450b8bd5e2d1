/** Builds topic connections from rows fetched with limit + 1. */
import type { TopicRecord } from "../../app/records.js";
import { PageInfo } from "../common/page-info.type.js";
import { topicCursor } from "../cursors.js";
import { splitPage } from "../pagination.js";
import { TopicConnection, TopicEdge } from "./topic-connection.type.js";
import { Topic } from "./topic.type.js";

export function topicConnection(rows: TopicRecord[], limit: number, count: () => Promise<number>): TopicConnection {
  const { items, hasNextPage } = splitPage(rows, limit);
  const edges = items.map((r) => Object.assign(new TopicEdge(), { cursor: topicCursor.encode(r.id), node: Topic.of(r) }));
  return new TopicConnection(edges, PageInfo.of(hasNextPage, edges.map((e) => e.cursor)), count);
}
