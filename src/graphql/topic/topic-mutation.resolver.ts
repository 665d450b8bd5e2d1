/** Thin mutations: map arguments, call the lifecycle service, map the result. No rules here. */
import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { requireCommands } from "../context.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";
import { CreateTopicInput } from "./create-topic.input.js";
import { Topic } from "./topic.type.js";
import { UpdateTopicInput } from "./update-topic.input.js";

@Resolver()
export class TopicMutationResolver {
  @Mutation(() => Topic, { description: "Create a topic; with `active`, its first epoch starts at once." })
  async createTopic(@Arg("input", () => CreateTopicInput) input: CreateTopicInput, @Ctx() ctx: ApiContext): Promise<Topic> {
    const topic = await requireCommands(ctx).createTopic({
      id: input.id ?? undefined,
      epochLength: input.epochLength,
      groundTruthLag: input.groundTruthLag,
      workerSubmissionWindow: input.workerSubmissionWindow,
      active: input.active ?? false,
    });
    return Topic.of(topic);
  }

  @Mutation(() => Topic, { description: "Change timing settings (seconds); affects future epochs only." })
  async updateTopic(
    @Arg("id", () => Uint64Scalar) id: bigint,
    @Arg("input", () => UpdateTopicInput) input: UpdateTopicInput,
    @Ctx() ctx: ApiContext,
  ): Promise<Topic> {
    const patch: { epochLength?: number; groundTruthLag?: number; workerSubmissionWindow?: number } = {};
    if (input.epochLength != null) patch.epochLength = input.epochLength;
    if (input.groundTruthLag != null) patch.groundTruthLag = input.groundTruthLag;
    if (input.workerSubmissionWindow != null) patch.workerSubmissionWindow = input.workerSubmissionWindow;
    return Topic.of(await requireCommands(ctx).updateTopic(id, patch));
  }

  @Mutation(() => Topic, { description: "Start an epoch now and then one every epochLength seconds." })
  async activateTopic(@Arg("id", () => Uint64Scalar) id: bigint, @Ctx() ctx: ApiContext): Promise<Topic> {
    return Topic.of(await requireCommands(ctx).activateTopic(id));
  }

  @Mutation(() => Topic, { description: "Stop periodic starts and cancel every live epoch of the topic." })
  async deactivateTopic(@Arg("id", () => Uint64Scalar) id: bigint, @Ctx() ctx: ApiContext): Promise<Topic> {
    return Topic.of(await requireCommands(ctx).deactivateTopic(id));
  }
}
