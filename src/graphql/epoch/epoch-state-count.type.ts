import { Field, Int, ObjectType } from "type-graphql";
import { EpochState } from "../enums.js";

@ObjectType("EpochStateCount", { simpleResolvers: true, description: "How many epochs are in one state." })
export class EpochStateCount {
  @Field(() => EpochState)
  state!: EpochState;

  @Field(() => Int)
  count!: number;
}
