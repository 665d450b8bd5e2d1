import { Field, Int, ObjectType } from "type-graphql";
import { PageInfo } from "../common/page-info.type.js";
import { Epoch } from "./epoch.type.js";

@ObjectType("EpochEdge")
export class EpochEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Epoch)
  node!: Epoch;
}

@ObjectType("EpochConnection", { description: "A page of epochs, newest first (workerWindow.openAt, topicId, nonce descending)." })
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
