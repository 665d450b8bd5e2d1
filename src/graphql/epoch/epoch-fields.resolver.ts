import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { EpochState, NotFoundError } from "../../domain/index.js";
import { AfterArg, FirstArg } from "../common/page-args.js";
import type { ApiContext } from "../context.js";
import { pageSize } from "../pagination.js";
import { Topic } from "../topic/topic.type.js";
import { TransitionConnection } from "../transition/transition-connection.type.js";
import { afterTransition, transitionConnection } from "../transition/transition-page.js";
import { Epoch } from "./epoch.type.js";

@Resolver(() => Epoch)
export class EpochFieldsResolver {
  @FieldResolver(() => Topic)
  async topic(@Root() epoch: Epoch, @Ctx() ctx: ApiContext): Promise<Topic> {
    const topic = await ctx.loaders.topic.load(epoch.topicId);
    if (!topic) throw new NotFoundError(`topic ${epoch.topicId} not found`);
    return Topic.of(topic);
  }

  @FieldResolver(() => Boolean, {
    description:
      "True while this epoch's reputer window is open and so is an older epoch's of the same topic (they overlap when " +
      "groundTruthLag is not a multiple of epochLength): reputers should submit for the older one first. False otherwise.",
  })
  async reputerWindowOverlapsOlder(@Root() epoch: Epoch, @Ctx() ctx: ApiContext): Promise<boolean> {
    // Only open reputer windows can overlap: no statement for the others.
    if (epoch.state !== EpochState.REPUTER_SUBMISSION) return false;
    return ctx.loaders.reputerOverlap.load(epoch);
  }

  @FieldResolver(() => TransitionConnection, { description: "This epoch's transitions, oldest first." })
  async transitions(
    @Root() epoch: Epoch,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<TransitionConnection> {
    const limit = pageSize(first);
    const rows = await ctx.loaders.transitionsOfEpoch({ after: afterTransition(after), limit: limit + 1 }).load(epoch);
    return transitionConnection(rows, limit);
  }
}
