/**
 * Transactional lifecycle writes. One transition is one database transaction: read the epoch, let
 * the pure core decide, update state and version (compare-and-set), append the log record and run
 * the caller's follow-up (scheduling or cancelling jobs) on the same connection. Any failure rolls
 * the whole thing back.
 */
import type {
  AppliedTransition,
  FollowUp as PortFollowUp,
  LifecycleStorePort,
  ScheduleChange,
  StartedEpoch,
  StepJobChanges,
  TransitionCommand,
} from "../app/lifecycle-ports.js";
import {
  ConflictError,
  EpochState,
  EpochTransition,
  NotFoundError,
  TransitionSource,
  applyTransition,
  computeWindows,
  formatNonce,
  nextNonce,
} from "../domain/index.js";
import type { EpochKey, EpochRecord, TopicRecord, TransitionLogRecord } from "../app/records.js";
import { Prisma } from "../generated/prisma/client.js";
import { PgJobScheduler } from "../jobs/job-scheduler.js";
import { EpochRepository } from "./epoch-repository.js";
import type { Db, DbTx } from "./prisma-client.js";
import { TopicRepository, withSchedule } from "./topic-repository.js";
import { TransitionLogRepository } from "./transition-log-repository.js";
import { TransitionWrites } from "./transition-writes.js";

// The command and result types belong to the application's port; re-exported for existing callers.
export type { AppliedTransition, StartedEpoch, TransitionCommand };

/** Told about transition records after their transaction committed. */
export type CommitObserver = (records: readonly TransitionLogRecord[]) => void;

/** Runs inside the transaction after the write; throwing rolls everything back. */
export type FollowUp<R> = PortFollowUp<DbTx, R>;

/**
 * The longest a one-statement write waits on the server for its instant, whatever the caller asked:
 * a client clock far ahead of the server's must not park statements (and connections).
 */
const MAX_SERVER_WAIT_MS = 1000;

/** Renders a step's job changes as select-list expressions run once per row matching `guard`. */
export interface StepJobStatements {
  stepJobChangesSql(key: EpochKey, changes: StepJobChanges, guard: Prisma.Sql): Prisma.Sql;
}

export class LifecycleStore implements LifecycleStorePort<DbTx> {
  readonly epochs = new EpochRepository();
  readonly topics = new TopicRepository();
  readonly log = new TransitionLogRepository();
  private readonly writes = new TransitionWrites();

  /** Records appended per open transaction, handed to `onCommitted` once it has committed. */
  private readonly appended = new WeakMap<object, TransitionLogRecord[]>();

  /**
   * `onCommitted` hears of every transition after its transaction commits (for metrics). `jobs`
   * renders job changes for the one-statement writes of `applyKnown` (the queue's default lead
   * when omitted).
   */
  constructor(
    readonly db: Db,
    private readonly onCommitted?: CommitObserver,
    private readonly jobs: StepJobStatements = new PgJobScheduler(),
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

  async applyKnown(
    cmd: TransitionCommand & { readonly current: EpochRecord },
    jobs: StepJobChanges,
    opts: { readonly notBefore?: number } = {},
  ): Promise<AppliedTransition | null> {
    const next = applyTransition(cmd.current, cmd.transition); // throws IllegalTransitionError
    // No BEGIN/COMMIT: the statement is its own transaction; it takes the epoch's advisory lock
    // first, as every writer of an epoch does, and may wait on the server for its instant.
    const written = await this.writes.apply(
      this.db,
      cmd,
      cmd.current.version,
      { transition: cmd.transition, from: next.from, to: next.to, dueAt: cmd.dueAt, source: cmd.source, reason: cmd.reason ?? null },
      this.jobs.stepJobChangesSql(cmd, jobs, Prisma.sql`e.topic_id IS NOT NULL`),
      { lock: true, notBefore: opts.notBefore === undefined ? undefined : new Date(opts.notBefore), maxWaitMs: MAX_SERVER_WAIT_MS },
    );
    if (written) this.notify([written.record]);
    return written;
  }

  /** The epoch as committed now, read outside any transaction (no lock). */
  readEpoch(key: EpochKey): Promise<EpochRecord | null> {
    return this.epochs.get(this.db, key);
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
  async startEpochIn(tx: DbTx, topicId: bigint, startAt: number, source: TransitionSource, schedule?: ScheduleChange): Promise<StartedEpoch> {
    const allocated = await this.topics.allocateNonce(tx, topicId, schedule);
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

  /**
   * `startEpochIn` as one statement, for a topic the caller read without a lock: null (nothing
   * written) when the topic changed since — its nonce counter, settings or activation (`anchor`,
   * the activation instant a periodic start belongs to). The caller then takes the locked path.
   */
  async startEpochIfUnchanged(
    tx: DbTx,
    topic: TopicRecord,
    startAt: number,
    source: TransitionSource,
    anchor?: number,
    opts: { readonly notBefore?: number; readonly schedule?: ScheduleChange } = {},
  ): Promise<StartedEpoch | null> {
    const nonce = nextNonce(topic.lastNonce);
    const windows = computeWindows(topic, startAt);
    const opened = applyTransition({ state: EpochState.INIT, version: 0 }, EpochTransition.OPEN_WORKER_WINDOW);
    const written = await this.writes.start(
      tx,
      { topicId: topic.id, lastNonce: topic.lastNonce, updatedAt: topic.updatedAt, anchor: anchor === undefined ? undefined : new Date(anchor) },
      { nonce, windows },
      {
        transition: opened.transition,
        from: opened.from,
        to: opened.to,
        dueAt: source === TransitionSource.SCHEDULER ? new Date(startAt) : null,
        source,
      },
      opts.notBefore === undefined ? undefined : { notBefore: new Date(opts.notBefore), maxWaitMs: MAX_SERVER_WAIT_MS },
      opts.schedule,
    );
    if (!written) return null;
    this.remember(tx, written.record);
    return { topic: withSchedule({ ...topic, lastNonce: nonce }, opts.schedule), epoch: written.epoch, records: [written.record] };
  }
}
