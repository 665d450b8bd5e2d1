/**
 * The write-side use cases (LifecycleCommands). Each command is one transaction: the state change,
 * its transition records and the schedule it implies (the rows' own state, windows and next start)
 * commit together. Rows are locked before they are read for a decision (topic, then epochs), so a
 * command racing the scheduler waits for its batch and then decides on the committed state instead
 * of failing with a conflict; a command that makes something due tells the workers on commit.
 */
import {
  EpochTransition,
  nextDueAt,
  InvalidInputError,
  NotFoundError,
  ConflictError,
  TransitionSource,
  isTerminal,
  parseNonce,
  parseUint64,
  periodicStartAt,
  periodicStartIndex,
  validateTopicSettings,
  type TopicSettings,
} from "../domain/index.js";
import type { CreateTopicCommand, LifecycleCommands } from "./lifecycle-commands.js";
import type { LifecycleStorePort } from "./lifecycle-ports.js";
import type { EpochKey, EpochRecord, TopicRecord } from "./records.js";

export type Clock = () => number;

const SETTING_KEYS = ["epochLength", "groundTruthLag", "workerSubmissionWindow"] as const;

export class LifecycleService<Tx> implements LifecycleCommands {
  constructor(
    private readonly store: LifecycleStorePort<Tx>,
    private readonly now: Clock = Date.now,
  ) {}

  async createTopic(input: CreateTopicCommand): Promise<TopicRecord> {
    const { epochLength, groundTruthLag, workerSubmissionWindow } = input;
    const settings = validateTopicSettings({ epochLength, groundTruthLag, workerSubmissionWindow });
    if (input.id !== undefined) parseUint64(input.id, "id");
    return this.store.transaction(async (tx) => {
      const topic = await this.store.topics.create(tx, { ...settings, id: input.id });
      if (!topic) throw new ConflictError(`topic ${input.id} already exists`);
      return input.active ? this.activateIn(tx, topic) : topic;
    });
  }

  /** New settings apply to epochs started from now on; running epochs keep their windows. */
  async updateTopic(id: bigint, patch: Partial<TopicSettings>): Promise<TopicRecord> {
    return this.store.transaction(async (tx) => {
      const topic = await this.lockTopic(tx, id);
      const changes = pickSettings(patch);
      const settings = validateTopicSettings({ ...pickSettings(topic), ...changes } as TopicSettings, Object.keys(changes) as (keyof TopicSettings)[]);
      let updated = (await this.store.topics.updateSettings(tx, id, settings))!;
      if (topic.active && topic.activatedAt && settings.epochLength !== topic.epochLength) {
        // Re-anchor the periodic start at the next start already due under the old length, so
        // starts stay at anchor + n·epochLength with the new length and never drift.
        const anchor = topic.activatedAt.getTime();
        const next = periodicStartAt(topic, anchor, periodicStartIndex(topic, anchor, this.now()) + 1);
        updated = (await this.store.topics.setSchedule(tx, id, { active: true, anchor: next, nextStartAt: next }))!;
        await this.store.scheduleChanged(tx, next);
      }
      return updated;
    });
  }

  /** Starts the first epoch now and one every epochLength after, aligned to this instant. */
  async activateTopic(id: bigint): Promise<TopicRecord> {
    return this.store.transaction(async (tx) => {
      const topic = await this.lockTopic(tx, id);
      return topic.active ? topic : this.activateIn(tx, topic);
    });
  }

  /**
   * Stops the periodic start and collects the live epochs in one transaction, then cancels each in a
   * transaction of its own: one transition, one transaction, and each cancel queues behind that
   * epoch's running step (see EpochRepository.get) so the log keeps every epoch's commit order.
   * No new epoch can start in between: the topic is inactive, with no next start.
   */
  async deactivateTopic(id: bigint): Promise<TopicRecord> {
    const { topic, live } = await this.store.transaction(async (tx) => {
      await this.lockTopic(tx, id);
      const live = await this.store.epochs.liveKeys(tx, id);
      return { topic: (await this.store.topics.setSchedule(tx, id, { active: false }))!, live };
    });
    for (const key of live) {
      await this.store.transaction(async (tx) => {
        // The scheduler may have finished it since it was collected; it then needs no cancel.
        const epoch = await this.lockEpoch(tx, key);
        if (!isTerminal(epoch.state)) await this.cancelIn(tx, key, "topic deactivated");
      });
    }
    return topic;
  }

  async startEpoch(topicId: bigint): Promise<EpochRecord> {
    parseUint64(topicId, "topicId");
    return this.store.transaction(async (tx) => {
      const { epoch } = await this.store.startEpochIn(tx, topicId, this.now(), TransitionSource.API);
      await this.announce(tx, epoch);
      return epoch;
    });
  }

  /**
   * Operator override. The epoch then waits for the step after the applied one, at that step's own
   * instant (nothing once it is finished); a scheduler batch that took the epoch first made this
   * command wait for its commit, and the command decides on what the batch left.
   */
  async applyEpochTransition(key: EpochKey, transition: EpochTransition): Promise<EpochRecord> {
    if (transition === EpochTransition.CANCEL) return this.cancelEpoch(key);
    if (EpochTransition[transition] === undefined) throw new InvalidInputError(`unknown transition ${transition}`, "transition");
    return this.store.transaction(async (tx) => {
      const current = await this.lockEpoch(tx, key);
      const { epoch } = await this.store.applyTransitionIn(tx, { ...key, transition, source: TransitionSource.API, dueAt: null, current });
      await this.announce(tx, epoch);
      return epoch;
    });
  }

  async cancelEpoch(key: EpochKey, reason?: string | null): Promise<EpochRecord> {
    return this.store.transaction((tx) => this.cancelIn(tx, key, reason ?? null));
  }

  private async activateIn(tx: Tx, topic: TopicRecord): Promise<TopicRecord> {
    const anchor = this.now();
    const nextStartAt = periodicStartAt(topic, anchor, 1);
    await this.store.topics.setSchedule(tx, topic.id, { active: true, anchor, nextStartAt });
    const { epoch } = await this.store.startEpochIn(tx, topic.id, anchor, TransitionSource.API);
    await this.store.scheduleChanged(tx, Math.min(nextStartAt, nextDueAt(epoch) ?? nextStartAt));
    return (await this.store.topics.get(tx, topic.id))!;
  }

  private async cancelIn(tx: Tx, key: EpochKey, reason: string | null): Promise<EpochRecord> {
    const current = await this.lockEpoch(tx, key);
    const { epoch } = await this.store.applyTransitionIn(tx, { ...key, transition: EpochTransition.CANCEL, source: TransitionSource.API, dueAt: null, reason, current });
    return epoch;
  }

  /** Wake the workers for the epoch's next step (a cancelled or finished epoch waits for none). */
  private async announce(tx: Tx, epoch: EpochRecord): Promise<void> {
    const at = nextDueAt(epoch);
    if (at !== null) await this.store.scheduleChanged(tx, at);
  }

  private async lockTopic(tx: Tx, id: bigint): Promise<TopicRecord> {
    parseUint64(id, "topicId");
    const topic = await this.store.topics.get(tx, id, { forUpdate: true });
    if (!topic) throw new NotFoundError(`topic ${id} not found`);
    return topic;
  }

  private async lockEpoch(tx: Tx, key: EpochKey): Promise<EpochRecord> {
    parseUint64(key.topicId, "topicId");
    parseNonce(key.nonce);
    const epoch = await this.store.epochs.get(tx, key, { forUpdate: true });
    if (!epoch) throw new NotFoundError(`epoch ${key.topicId}/${key.nonce} not found`);
    return epoch;
  }
}

/** Only the timing settings, leaving out undefined fields of a patch. */
function pickSettings(source: Partial<TopicSettings>): Partial<TopicSettings> {
  const out: Partial<Record<(typeof SETTING_KEYS)[number], number>> = {};
  for (const k of SETTING_KEYS) if (source[k] !== undefined) out[k] = source[k];
  return out;
}
