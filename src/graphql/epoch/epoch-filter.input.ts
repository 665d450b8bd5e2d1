import { Field, InputType } from "type-graphql";
import { EpochState } from "../enums.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";

@InputType("EpochFilter", { description: "All given conditions must hold." })
export class EpochFilter {
  @Field(() => Uint64Scalar, { nullable: true })
  topicId?: bigint | null;

  @Field(() => EpochState, { nullable: true })
  state?: EpochState | null;

  @Field(() => [EpochState], { nullable: true, description: "Any of these states (with `state`, both must match)." })
  states?: EpochState[] | null;
}
