import { Field, InputType } from "type-graphql";
import { EpochState } from "../enums.js";
import { DateTimeScalar } from "../scalars/date-time.scalar.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";

@InputType("EpochFilter", { description: "All given conditions must hold. Time ranges are half-open: after ≤ instant < before." })
export class EpochFilter {
  @Field(() => Uint64Scalar, { nullable: true })
  topicId?: bigint | null;

  @Field(() => [Uint64Scalar], { nullable: true, description: "Any of these topics (at most 50; an empty list matches nothing). With `topicId`, both must match." })
  topicIds?: bigint[] | null;

  @Field(() => EpochState, { nullable: true })
  state?: EpochState | null;

  @Field(() => [EpochState], { nullable: true, description: "Any of these states (with `state`, both must match)." })
  states?: EpochState[] | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Worker window opens (the epoch starts) at or after this instant." })
  workerOpensAfter?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Worker window opens before this instant." })
  workerOpensBefore?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Reputer window closes at or after this instant." })
  reputerClosesAfter?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Reputer window closes before this instant." })
  reputerClosesBefore?: Date | null;
}
