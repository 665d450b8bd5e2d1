import { Arg, Ctx, Query, Resolver } from "type-graphql";
import { InvalidInputError } from "../../domain/index.js";
import { AfterArg, FirstArg } from "../common/page-args.js";
import type { ApiContext } from "../context.js";
import { pageSize } from "../pagination.js";
import { NonceV2Scalar } from "../scalars/nonce.scalar.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";
import { TransitionConnection } from "./transition-connection.type.js";
import { afterTransition, transitionConnection } from "./transition-page.js";

@Resolver()
export class TransitionQueryResolver {
  @Query(() => TransitionConnection, {
    description: "The transition log, oldest first (commit order), globally, for one topic, or for one epoch (topicId and nonce).",
  })
  async transitions(
    @Arg("topicId", () => Uint64Scalar, { nullable: true }) topicId: bigint | null,
    @Arg("nonce", () => NonceV2Scalar, { nullable: true, description: "Requires topicId: a nonce identifies an epoch only within its topic." }) nonce: bigint | null,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<TransitionConnection> {
    if (nonce !== null && nonce !== undefined && (topicId === null || topicId === undefined)) {
      throw new InvalidInputError("nonce requires topicId: a nonce identifies an epoch only within its topic", "nonce");
    }
    const limit = pageSize(first);
    const rows = await ctx.readModel.listTransitions(
      { topicId: topicId ?? undefined, nonce: nonce ?? undefined },
      { after: afterTransition(after), limit: limit + 1 },
    );
    return transitionConnection(rows, limit);
  }
}
