/** Thin mutations: map arguments, call the lifecycle service, map the result. No rules here. */
import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { requireCommands } from "../context.js";
import { EpochTransition } from "../enums.js";
import { NonceV2Scalar } from "../scalars/nonce.scalar.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";
import { Epoch } from "./epoch.type.js";

@Resolver()
export class EpochMutationResolver {
  @Mutation(() => Epoch, { description: "Start one epoch of the topic now and schedule its lifecycle." })
  async startEpoch(@Arg("topicId", () => Uint64Scalar) topicId: bigint, @Ctx() ctx: ApiContext): Promise<Epoch> {
    return Epoch.of(await requireCommands(ctx).startEpoch(topicId));
  }

  @Mutation(() => Epoch, { description: "Apply one transition now (operators' manual override); illegal ones fail with ILLEGAL_TRANSITION." })
  async applyEpochTransition(
    @Arg("topicId", () => Uint64Scalar) topicId: bigint,
    @Arg("nonce", () => NonceV2Scalar) nonce: bigint,
    @Arg("transition", () => EpochTransition) transition: EpochTransition,
    @Ctx() ctx: ApiContext,
  ): Promise<Epoch> {
    return Epoch.of(await requireCommands(ctx).applyEpochTransition({ topicId, nonce }, transition));
  }

  @Mutation(() => Epoch, { description: "Cancel an epoch from any non-terminal state and unschedule its pending steps." })
  async cancelEpoch(
    @Arg("topicId", () => Uint64Scalar) topicId: bigint,
    @Arg("nonce", () => NonceV2Scalar) nonce: bigint,
    @Arg("reason", () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<Epoch> {
    return Epoch.of(await requireCommands(ctx).cancelEpoch({ topicId, nonce }, reason));
  }
}
