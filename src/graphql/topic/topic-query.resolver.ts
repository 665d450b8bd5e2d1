import { Arg, Ctx, Query, Resolver } from "type-graphql";
import { AfterArg, FirstArg } from "../common/page-args.js";
import type { ApiContext } from "../context.js";
import { topicCursor } from "../cursors.js";
import { pageSize } from "../pagination.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";
import { TopicConnection } from "./topic-connection.type.js";
import { topicConnection } from "./topic-page.js";
import { Topic } from "./topic.type.js";

@Resolver()
export class TopicQueryResolver {
  @Query(() => Topic, { nullable: true, description: "One topic, or null when there is no such topic." })
  async topic(@Arg("id", () => Uint64Scalar) id: bigint, @Ctx() ctx: ApiContext): Promise<Topic | null> {
    const record = await ctx.loaders.topic.load(id);
    return record && Topic.of(record);
  }

  @Query(() => TopicConnection, { description: "Topics by id ascending, optionally only active or inactive ones." })
  async topics(
    @Arg("active", () => Boolean, { nullable: true }) active: boolean | null,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<TopicConnection> {
    const limit = pageSize(first);
    const filter = { active: active ?? undefined };
    const afterId = after === null || after === undefined ? undefined : topicCursor.decode(after);
    const rows = await ctx.readModel.listTopics({ ...filter, afterId, limit: limit + 1 });
    ctx.loaders.primeTopics(rows);
    return topicConnection(rows, limit, () => ctx.readModel.countTopics(filter));
  }
}
