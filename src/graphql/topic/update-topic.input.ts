import { Field, InputType, Int } from "type-graphql";

@InputType("UpdateTopicInput", { description: "Settings to change, in seconds; omitted ones stay. Affects future epochs only." })
export class UpdateTopicInput {
  @Field(() => Int, { nullable: true })
  epochLength?: number | null;

  @Field(() => Int, { nullable: true })
  groundTruthLag?: number | null;

  @Field(() => Int, { nullable: true })
  workerSubmissionWindow?: number | null;
}
