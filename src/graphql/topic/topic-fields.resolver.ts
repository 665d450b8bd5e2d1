import { Arg, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { AfterArg, FirstArg } from "../common/page-args.js";
import type { ApiContext } from "../context.js";
import { EpochConnection } from "../epoch/epoch-connection.type.js";
import { EpochFilter } from "../epoch/epoch-filter.input.js";
import { afterEpoch, epochConnection, needsFullListing, recordFilter } from "../epoch/epoch-page.js";
import { pageSize } from "../pagination.js";
import { Topic } from "./topic.type.js";

@Resolver(() => Topic)
export class TopicFieldsResolver {
  @FieldResolver(() => EpochConnection, { description: "This topic's epochs, newest first." })
  async epochs(
    @Root() topic: Topic,
    @Arg("where", () => EpochFilter, { nullable: true }) where: EpochFilter | null,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<EpochConnection> {
    const limit = pageSize(first);
    const position = afterEpoch(after);
    const filter = recordFilter(where);
    const { topicId, topicIds, states } = filter;
    // A filter on another topic than this one matches nothing.
    if ((topicId !== undefined && topicId !== topic.id) || (topicIds && !topicIds.includes(topic.id))) return epochConnection([], limit, async () => 0);
    if (needsFullListing(filter)) {
      // Time ranges: this topic's page through the general listing (not batched across topics).
      const own = { ...filter, topicId: topic.id, topicIds: undefined };
      const rows = await ctx.readModel.listEpochs(own, { after: position, limit: limit + 1 });
      ctx.loaders.primeEpochs(rows);
      return epochConnection(rows, limit, () => ctx.readModel.countEpochs(own));
    }
    const rows = await ctx.loaders.epochsOfTopic(states, { after: position, limit: limit + 1 }).load(topic.id);
    ctx.loaders.primeEpochs(rows);
    return epochConnection(rows, limit, () => ctx.loaders.epochCountOfTopic(states).load(topic.id));
  }
}
