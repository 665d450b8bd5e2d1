import { Field, Int, ObjectType } from "type-graphql";
import type { EpochPosition, EpochSort } from "../../app/records.js";
import { PageInfo } from "../common/page-info.type.js";
import { sortedEpochCursor } from "../cursors.js";
import { Epoch } from "./epoch.type.js";

@ObjectType("EpochEdge", { simpleResolvers: true })
export class EpochEdge {
  constructor(
    private readonly position: EpochPosition,
    node: Epoch,
    private readonly sort: EpochSort = "NEWEST_FIRST",
  ) {
    this.node = node;
  }

  /** Encoded (a hash) only when a client asks for it. */
  @Field(() => String)
  get cursor(): string {
    return sortedEpochCursor.encode(this.position, this.sort);
  }

  @Field(() => Epoch)
  readonly node: Epoch;
}

@ObjectType("EpochConnection", { simpleResolvers: true, description: "A page of epochs, in the order asked for (default newest first: workerWindow.openAt, topicId, nonce descending)." })
export class EpochConnection {
  @Field(() => [EpochEdge])
  edges: EpochEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  constructor(edges: EpochEdge[], pageInfo: PageInfo, private readonly counter: () => Promise<number>) {
    this.edges = edges;
    this.pageInfo = pageInfo;
  }

  /** Counted only when asked for: it is a statement of its own. */
  @Field(() => Int, { description: "Epochs matching the filter, on all pages." })
  totalCount(): Promise<number> {
    return this.counter();
  }
}
