import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { Epoch } from "../epoch/epoch.type.js";
import { TransitionRecord } from "../transition/transition-record.type.js";
import { parseNodeId } from "./node-id.js";
import { Node } from "./node.interface.js";

@Resolver()
export class NodeQueryResolver {
  @Query(() => Node, { nullable: true, description: "Any object by its global id; null when it does not exist (any more). A malformed id is BAD_USER_INPUT." })
  async node(@Arg("id", () => ID) id: string, @Ctx() ctx: ApiContext): Promise<Node | null> {
    const ref = parseNodeId(id);
    if (ref.type === "Epoch") {
      const record = await ctx.loaders.epoch.load(ref.key);
      return record && Epoch.of(record);
    }
    const record = await ctx.loaders.transitionRecord.load(ref.id);
    return record && TransitionRecord.of(record);
  }
}
