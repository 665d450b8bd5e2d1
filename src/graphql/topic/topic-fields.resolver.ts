import { Arg, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { AfterArg, FirstArg } from "../common/page-args.js";
import type { ApiContext } from "../context.js";
import { EpochConnection } from "../epoch/epoch-connection.type.js";
import { EpochFilter } from "../epoch/epoch-filter.input.js";
import { afterEpoch, epochConnection, recordFilter } from "../epoch/epoch-page.js";
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
    const { topicId, states } = recordFilter(where);
    // A filter on another topic than this one matches nothing.
    if (topicId !== undefined && topicId !== topic.id) return epochConnection([], limit, async () => 0);
    const rows = await ctx.loaders.epochsOfTopic(states, { after: position, limit: limit + 1 }).load(topic.id);
    ctx.loaders.primeEpochs(rows);
    return epochConnection(rows, limit, () => ctx.loaders.epochCountOfTopic(states).load(topic.id));
  }
}
