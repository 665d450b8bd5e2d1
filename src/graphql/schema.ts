/** The API schema, built from the resolver classes (type-graphql). schema.graphql is its print. */
import { printSchema, type GraphQLSchema } from "graphql";
import { buildSchema, type NonEmptyArray } from "type-graphql";
import "./enums.js";
import { EpochFieldsResolver } from "./epoch/epoch-fields.resolver.js";
import { EpochMutationResolver } from "./epoch/epoch-mutation.resolver.js";
import { EpochQueryResolver } from "./epoch/epoch-query.resolver.js";
import { TopicFieldsResolver } from "./topic/topic-fields.resolver.js";
import { TopicMutationResolver } from "./topic/topic-mutation.resolver.js";
import { TopicQueryResolver } from "./topic/topic-query.resolver.js";
import { TransitionFieldsResolver } from "./transition/transition-fields.resolver.js";
import { SubscriptionResolver } from "./subscription/subscription.resolver.js";
import { WindowEventResolver } from "./subscription/window-event.resolver.js";
import { TransitionQueryResolver } from "./transition/transition-query.resolver.js";
import { NodeQueryResolver } from "./node/node-query.resolver.js";

const API_RESOLVERS: NonEmptyArray<Function> = [
  EpochQueryResolver,
  EpochFieldsResolver,
  EpochMutationResolver,
  TopicQueryResolver,
  TopicFieldsResolver,
  TopicMutationResolver,
  TransitionQueryResolver,
  TransitionFieldsResolver,
  SubscriptionResolver,
  WindowEventResolver,
  NodeQueryResolver,
];

/**
 * Every subscription here brings its own `subscribe` (the transition feed); type-graphql still
 * insists on a PubSub, so it gets one that refuses to be used.
 */
const NO_PUBSUB = {
  publish(): never {
    throw new Error("epoch-windows publishes through the transition log, not type-graphql's PubSub");
  },
  subscribe(): never {
    throw new Error("epoch-windows subscriptions read the transition feed, not type-graphql's PubSub");
  },
};

export function buildApiSchema(extraResolvers: Function[] = []): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [...API_RESOLVERS, ...extraResolvers] as NonEmptyArray<Function>, validate: false, pubSub: NO_PUBSUB });
}

const HEADER = "# Generated from the resolvers by `npm run schema:emit`; do not edit. A test fails when it is stale.\n\n";

/** The committed SDL, in definition order (enum values keep their lifecycle order). */
export function printApiSchema(schema: GraphQLSchema): string {
  return HEADER + printSchema(schema) + "\n";
}
