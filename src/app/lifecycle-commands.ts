/**
 * The write side the API offers (GraphQL mutations call exactly these). Implemented by the
 * lifecycle service (src/app/lifecycle-service.ts), which owns validation, transactions and job
 * scheduling; resolvers only map arguments and results.
 */
import type { EpochTransition, TopicSettings } from "../domain/index.js";
import type { EpochKey, EpochRecord, TopicRecord } from "./records.js";

export interface CreateTopicCommand extends TopicSettings {
  /** Omit to take the next free id. */
  readonly id?: bigint;
  /** Start epochs at once and then every epochLength seconds. */
  readonly active?: boolean;
}

export interface LifecycleCommands {
  createTopic(input: CreateTopicCommand): Promise<TopicRecord>;
  /** Affects future epochs only. */
  updateTopic(id: bigint, patch: Partial<TopicSettings>): Promise<TopicRecord>;
  activateTopic(id: bigint): Promise<TopicRecord>;
  deactivateTopic(id: bigint): Promise<TopicRecord>;
  startEpoch(topicId: bigint): Promise<EpochRecord>;
  /** Operator override (source API); illegal ones throw IllegalTransitionError. */
  applyEpochTransition(key: EpochKey, transition: EpochTransition): Promise<EpochRecord>;
  cancelEpoch(key: EpochKey, reason?: string | null): Promise<EpochRecord>;
}
