/**
 * Subscriptions: thin adapters over the instance's live events (the LiveEvents port, served by src/pubsub). Each event
 * is resolved with fresh loaders, so nested fields show the epoch as it is now, not as cached for
 * an earlier event of the same long-lived subscription.
 */
import { Arg, Ctx, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { FeedEvent, LiveEvents, WindowChangeEvent } from "../../app/live-events.js";
import type { TransitionLogRecord } from "../../app/records.js";
import type { EpochState as EpochStateValue, WindowKind as WindowKindValue } from "../../domain/index.js";
import { LiveFeedUnavailableError } from "../../domain/index.js";
import type { ApiContext } from "../context.js";
import { transitionCursor } from "../cursors.js";
import { EpochState, WindowKind } from "../enums.js";
import { Uint64Scalar } from "../scalars/uint64.scalar.js";
import { TransitionRecord } from "../transition/transition-record.type.js";
import { WindowEvent } from "./window-event.type.js";

interface TransitionArgs {
  topicId?: bigint | null;
  states?: EpochStateValue[] | null;
  after?: string | null;
}

interface WindowArgs {
  topicId?: bigint | null;
  kind?: WindowKindValue | null;
  after?: string | null;
}

function eventsOf(ctx: ApiContext): LiveEvents {
  if (!ctx.events) throw new LiveFeedUnavailableError("subscriptions are not served by this process");
  return ctx.events;
}

function afterOf(after: string | null | undefined) {
  return after ? transitionCursor.decode(after, "after") : null;
}

function unwrap<T>(event: FeedEvent<T>, ctx: ApiContext): T {
  if (event.overflow) throw event.overflow;
  ctx.loaders.clearAll();
  return event.value;
}

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => TransitionRecord, {
    description:
      "Every committed transition matching the filters (`states` matches the state entered), in log order. With `after` " +
      "(a cursor from a TransitionRecord or an earlier event), first replays everything committed after it, then continues " +
      "live with no gap or duplicate. A subscriber that falls too far behind gets SUBSCRIBER_TOO_SLOW and should resume with its last cursor.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, TransitionArgs, ApiContext>) =>
      eventsOf(context).transitions({ topicId: args.topicId, states: args.states }, afterOf(args.after)),
  })
  epochTransitioned(
    @Root() event: FeedEvent<TransitionLogRecord>,
    @Ctx() ctx: ApiContext,
    @Arg("topicId", () => Uint64Scalar, { nullable: true }) _topicId?: bigint,
    @Arg("states", () => [EpochState], { nullable: true, description: "Only transitions into one of these states." }) _states?: EpochStateValue[],
    @Arg("after", () => String, { nullable: true, description: "Resume cursor: replay what was committed after it first." }) _after?: string,
  ): TransitionRecord {
    return TransitionRecord.of(unwrap(event, ctx));
  }

  @Subscription(() => WindowEvent, {
    description:
      "Window openings and closings (a cancel closes an open window), optionally for one topic or one kind of window. " +
      "With `after`, first replays what was missed, then continues live.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, WindowArgs, ApiContext>) =>
      eventsOf(context).windows({ topicId: args.topicId, kind: args.kind }, afterOf(args.after)),
  })
  windowChanged(
    @Root() event: FeedEvent<WindowChangeEvent>,
    @Ctx() ctx: ApiContext,
    @Arg("topicId", () => Uint64Scalar, { nullable: true }) _topicId?: bigint,
    @Arg("kind", () => WindowKind, { nullable: true }) _kind?: WindowKindValue,
    @Arg("after", () => String, { nullable: true, description: "Resume cursor: replay what was committed after it first." }) _after?: string,
  ): WindowEvent {
    return WindowEvent.of(unwrap(event, ctx));
  }
}
