import { Arg, Ctx, Query, Resolver } from "type-graphql";
import type { EpochSort, EpochFilter as RecordFilter } from "../../app/records.js";
import { ALL_STATES, EpochState } from "../../domain/index.js";
import { AfterArg, FirstArg, OrderByArg } from "../common/page-args.js";
import type { ApiContext } from "../context.js";
import { pageSize } from "../pagination.js";
import { NonceV2Scalar } from "../scalars/nonce.scalar.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";
import { EpochConnection } from "./epoch-connection.type.js";
import { EpochFilter } from "./epoch-filter.input.js";
import { EpochOrder, closingWindowOf, epochSort } from "./epoch-order.js";
import { afterEpoch, epochConnection, recordFilter } from "./epoch-page.js";
import { EpochStateCount } from "./epoch-state-count.type.js";
import { Epoch } from "./epoch.type.js";

@Resolver()
export class EpochQueryResolver {
  @Query(() => Epoch, { nullable: true, description: "One epoch, or null when there is no such epoch." })
  async epoch(
    @Arg("topicId", () => Uint64Scalar) topicId: bigint,
    @Arg("nonce", () => NonceV2Scalar) nonce: bigint,
    @Ctx() ctx: ApiContext,
  ): Promise<Epoch | null> {
    const record = await ctx.loaders.epoch.load({ topicId, nonce });
    return record && Epoch.of(record);
  }

  @Query(() => EpochConnection, { description: "Epochs in `orderBy` order (newest first by default); `first` is capped (at most 500)." })
  epochs(
    @Arg("where", () => EpochFilter, { nullable: true }) where: EpochFilter | null,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @OrderByArg() orderBy: EpochOrder | null,
    @Ctx() ctx: ApiContext,
  ): Promise<EpochConnection> {
    const filter = recordFilter(where);
    return listEpochs(ctx, filter, first, after, epochSort(orderBy, closingWindowOf(filter.states)));
  }

  @Query(() => EpochConnection, {
    description: "Epochs whose worker window is open now (state WORKER_SUBMISSION), across all topics or in one; newest first unless `orderBy` says otherwise.",
  })
  openWorkerWindows(
    @Arg("topicId", () => Uint64Scalar, { nullable: true }) topicId: bigint | null,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @OrderByArg() orderBy: EpochOrder | null,
    @Ctx() ctx: ApiContext,
  ): Promise<EpochConnection> {
    return listEpochs(ctx, { topicId: topicId ?? undefined, states: [EpochState.WORKER_SUBMISSION] }, first, after, epochSort(orderBy, "WORKER"));
  }

  @Query(() => EpochConnection, {
    description:
      "Epochs whose reputer window is open now (state REPUTER_SUBMISSION), across all topics or in one; newest first unless `orderBy` says otherwise. " +
      "Windows of one topic overlap when groundTruthLag is not a multiple of epochLength: submit for the oldest first (OLDEST_FIRST or CLOSING_SOONEST; see Epoch.reputerWindowOverlapsOlder).",
  })
  openReputerWindows(
    @Arg("topicId", () => Uint64Scalar, { nullable: true }) topicId: bigint | null,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @OrderByArg() orderBy: EpochOrder | null,
    @Ctx() ctx: ApiContext,
  ): Promise<EpochConnection> {
    return listEpochs(ctx, { topicId: topicId ?? undefined, states: [EpochState.REPUTER_SUBMISSION] }, first, after, epochSort(orderBy, "REPUTER"));
  }

  @Query(() => [EpochStateCount], { description: "Epochs per state (every state listed, zeros included), across all topics or in one." })
  async epochStateCounts(
    @Arg("topicId", () => Uint64Scalar, { nullable: true }) topicId: bigint | null,
    @Ctx() ctx: ApiContext,
  ): Promise<EpochStateCount[]> {
    const counts = await ctx.readModel.countByState(topicId ?? undefined);
    return ALL_STATES.map((state) => Object.assign(new EpochStateCount(), { state, count: counts.get(state) ?? 0 }));
  }
}

async function listEpochs(ctx: ApiContext, filter: RecordFilter, first: number | null, after: string | null, sort: EpochSort): Promise<EpochConnection> {
  const limit = pageSize(first);
  const rows = await ctx.readModel.listEpochs(filter, { after: afterEpoch(after, sort), limit: limit + 1, sort });
  ctx.loaders.primeEpochs(rows);
  return epochConnection(rows, limit, () => ctx.readModel.countEpochs(filter), sort);
}
