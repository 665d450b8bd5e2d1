import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { NotFoundError } from "../../domain/index.js";
import type { ApiContext } from "../context.js";
import { Epoch } from "../epoch/epoch.type.js";
import { TransitionRecord } from "./transition-record.type.js";

@Resolver(() => TransitionRecord)
export class TransitionFieldsResolver {
  @FieldResolver(() => Epoch, { description: "The epoch this record belongs to (its current state)." })
  async epoch(@Root() record: TransitionRecord, @Ctx() ctx: ApiContext): Promise<Epoch> {
    const epoch = await ctx.loaders.epoch.load(record);
    if (!epoch) throw new NotFoundError(`epoch ${record.topicId}/${record.nonce} not found`);
    return Epoch.of(epoch);
  }
}
