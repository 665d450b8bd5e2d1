/**
 * Transactional lifecycle writes. One transition is one database transaction: read the epoch, let
 * the pure core decide, update state and version (compare-and-set), append the log record and run
 * the caller's follow-up (scheduling or cancelling jobs) on the same connection. Any failure rolls
 * the whole thing back.
 */
import type { AppliedTransition, LifecycleStorePort, StartedEpoch, TransitionCommand } from "../app/lifecycle-ports.js";
import {
  ConflictError,
  EpochState,
  EpochTransition,
  NotFoundError,
  TransitionSource,
  applyTransition,
  computeWindows,
  formatNonce,
} from "../domain/index.js";
import type { EpochKey, EpochRecord, TopicRecord, TransitionLogRecord } from "../app/records.js";
import { EpochRepository } from "./epoch-repository.js";
import type { Db, DbTx } from "./prisma-client.js";
import { notifySchedule } from "./sql/scheduler.js";
import { execute } from "./sql/statement.js";
import { TopicRepository } from "./topic-repository.js";
import { TransitionLogRepository } from "./transition-log-repository.js";
import { TransitionWrites } from "./transition-writes.js";

// The command and result types belong to the application's port; re-exported for existing callers.
export type { AppliedTransition, StartedEpoch, TransitionCommand };

/** Told about transition records after their transaction committed. */
export type CommitObserver = (records: readonly TransitionLogRecord[]) => void;

/** Runs inside the transaction after the write; throwing rolls everything back. */
export type FollowUp<R> = (tx: DbTx, result: R) => Promise<void>;

export class LifecycleStore implements LifecycleStorePort<DbTx> {
  readonly epochs = new EpochRepository();
  readonly topics = new TopicRepository();
  readonly log = new TransitionLogRepository();
  private readonly writes = new TransitionWrites();

  /** Records appended per open transaction, handed to `onCommitted` once it has committed. */
  private readonly appended = new WeakMap<object, TransitionLogRecord[]>();

  /** `onCommitted` hears of every transition after its transaction commits (for metrics). */
  constructor(
    readonly db: Db,
    private readonly onCommitted?: CommitObserver,
  ) {}

  async transaction<T>(fn: (tx: DbTx) => Promise<T>): Promise<T> {
    const options = { maxWait: 10_000, timeout: 30_000 };
    if (!this.onCommitted) return this.db.$transaction(fn, options);
    let handle: object | undefined;
    const result = await this.db.$transaction((tx) => {
      handle = tx;
      return fn(tx);
    }, options);
    const records = handle && this.appended.get(handle);
    if (records?.length) {
      this.appended.delete(handle!);
      this.notify(records);
    }
    return result;
  }

  applyTransition(cmd: TransitionCommand, followUp?: FollowUp<AppliedTransition>): Promise<AppliedTransition> {
    return this.transaction((tx) => this.applyTransitionIn(tx, cmd, followUp));
  }

  /** The same, inside a transaction the caller already holds. */
  async applyTransitionIn(tx: DbTx, cmd: TransitionCommand, followUp?: FollowUp<AppliedTransition>): Promise<AppliedTransition> {
    const current = cmd.current ?? (await this.epochs.get(tx, cmd));
    if (!current) throw new NotFoundError(`epoch ${cmd.topicId}/${formatNonce(cmd.nonce)} not found`);
    if (current.topicId !== cmd.topicId || current.nonce !== cmd.nonce) throw new Error("TransitionCommand.current is another epoch");
    if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== current.version) {
      throw new ConflictError(`epoch ${cmd.topicId}/${formatNonce(cmd.nonce)} is at version ${current.version}, not ${cmd.expectedVersion}`);
    }
    const next = applyTransition(current, cmd.transition); // throws IllegalTransitionError
    const written = await this.writes.apply(tx, cmd, current.version, {
      transition: cmd.transition,
      from: next.from,
      to: next.to,
      dueAt: cmd.dueAt,
      source: cmd.source,
      reason: cmd.reason ?? null,
    });
    if (!written) {
      throw new ConflictError(`epoch ${cmd.topicId}/${formatNonce(cmd.nonce)} changed concurrently; ${EpochTransition[cmd.transition]} not applied`);
    }
    this.remember(tx, written.record);
    if (followUp) await followUp(tx, written);
    return written;
  }

  private notify(records: readonly TransitionLogRecord[]): void {
    try {
      this.onCommitted?.(records);
    } catch {
      // An observer's failure must not turn a committed transition into an error.
    }
  }

  private remember(tx: DbTx, record: TransitionLogRecord): void {
    if (!this.onCommitted) return;
    const list = this.appended.get(tx);
    if (list) list.push(record);
    else this.appended.set(tx, [record]);
  }

  /**
   * Start one epoch now: allocate the next nonce from the topic's counter, insert it in INIT and
   * apply OPEN_WORKER_WINDOW, all in one transaction.
   */
  startEpoch(
    topicId: bigint,
    startAt: number,
    source: TransitionSource,
    followUp?: FollowUp<StartedEpoch>,
  ): Promise<StartedEpoch> {
    return this.transaction(async (tx) => {
      const result = await this.startEpochIn(tx, topicId, startAt, source);
      if (followUp) await followUp(tx, result);
      return result;
    });
  }

  /** The same, inside a transaction the caller already holds. */
  async startEpochIn(tx: DbTx, topicId: bigint, startAt: number, source: TransitionSource): Promise<StartedEpoch> {
    const allocated = await this.topics.allocateNonce(tx, topicId);
    if (!allocated) throw new NotFoundError(`topic ${topicId} not found`);
    const { topic, nonce } = allocated;
    const windows = computeWindows(topic, startAt);
    const inserted = await this.epochs.insert(tx, { topicId, nonce, state: EpochState.INIT, windows });
    const opened = await this.applyTransitionIn(tx, {
      topicId,
      nonce,
      current: inserted,
      transition: EpochTransition.OPEN_WORKER_WINDOW,
      source,
      dueAt: source === TransitionSource.SCHEDULER ? new Date(startAt) : null,
    });
    return { topic, epoch: opened.epoch, records: [opened.record] };
  }

  async scheduleChanged(tx: DbTx, at: number): Promise<void> {
    await execute(tx, notifySchedule(at));
  }
}
