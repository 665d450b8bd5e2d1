import { Field, Int, ObjectType } from "type-graphql";
import { PageInfo } from "../common/page-info.type.js";
import { Topic } from "./topic.type.js";

@ObjectType("TopicEdge", { simpleResolvers: true })
export class TopicEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Topic)
  node!: Topic;
}

@ObjectType("TopicConnection", { simpleResolvers: true, description: "A page of topics by id ascending." })
export class TopicConnection {
  @Field(() => [TopicEdge])
  edges: TopicEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  constructor(edges: TopicEdge[], pageInfo: PageInfo, private readonly counter: () => Promise<number>) {
    this.edges = edges;
    this.pageInfo = pageInfo;
  }

  /** Counted only when asked for. */
  @Field(() => Int, { description: "Topics matching the filter, on all pages." })
  totalCount(): Promise<number> {
    return this.counter();
  }
}
