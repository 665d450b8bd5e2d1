import { Field, ObjectType } from "type-graphql";
import { PageInfo } from "../common/page-info.type.js";
import { TransitionRecord } from "./transition-record.type.js";

@ObjectType("TransitionEdge", { simpleResolvers: true })
export class TransitionEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => TransitionRecord)
  node!: TransitionRecord;
}

@ObjectType("TransitionConnection", { simpleResolvers: true, description: "A page of the transition log, oldest first." })
export class TransitionConnection {
  @Field(() => [TransitionEdge])
  edges!: TransitionEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
