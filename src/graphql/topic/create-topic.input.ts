import { Field, InputType, Int } from "type-graphql";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";

@InputType("CreateTopicInput", { description: "Timing settings are whole seconds: epochLength ≥ 1, 1 ≤ workerSubmissionWindow ≤ epochLength, groundTruthLag ≥ epochLength (as on the chain)." })
export class CreateTopicInput {
  @Field(() => Uint64Scalar, { nullable: true, description: "Omit to get the next free id." })
  id?: bigint | null;

  @Field(() => Int, { description: "Seconds between two epoch starts (≥ 1)." })
  epochLength!: number;

  @Field(() => Int, { description: "Seconds from epoch start to the reputer window opening (≥ epochLength)." })
  groundTruthLag!: number;

  @Field(() => Int, { description: "Seconds the worker window stays open (1 to epochLength)." })
  workerSubmissionWindow!: number;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: "Start epochs at once and then every epochLength seconds." })
  active?: boolean | null;
}
