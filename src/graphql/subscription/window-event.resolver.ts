import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { NotFoundError, formatNonce } from "../../domain/index.js";
import type { ApiContext } from "../context.js";
import { Epoch } from "../epoch/epoch.type.js";
import { WindowEvent } from "./window-event.type.js";

@Resolver(() => WindowEvent)
export class WindowEventResolver {
  @FieldResolver(() => Epoch)
  async epoch(@Root() event: WindowEvent, @Ctx() ctx: ApiContext): Promise<Epoch> {
    const record = await ctx.loaders.epoch.load(event.key);
    if (!record) throw new NotFoundError(`epoch ${event.key.topicId}/${formatNonce(event.key.nonce)} not found`);
    return Epoch.of(record);
  }
}
