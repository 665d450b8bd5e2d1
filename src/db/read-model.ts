/** The API's read side (src/app/read-model.ts) over the repositories: one SQL statement per call. */
import type pg from "pg";
import type { EpochPage, LogFilter, LogPage, ReadModel, SortedEpochPage } from "../app/read-model.js";
import type { EpochFilter, EpochKey, EpochRecord, TopicRecord, TransitionLogRecord } from "../app/records.js";
import type { EpochState } from "../domain/index.js";
import { EpochRepository } from "./epoch-repository.js";
import { EpochListing } from "./epoch-listing.js";
import type { DbTx } from "./prisma-client.js";
import { ping } from "./sql/admin.js";
import { queryRows } from "./sql/statement.js";
import { TopicRepository } from "./topic-repository.js";
import { TransitionLogRepository } from "./transition-log-repository.js";

export class PrismaReadModel implements ReadModel {
  private readonly topicRepo = new TopicRepository();
  private readonly epochRepo = new EpochRepository();
  private readonly logRepo = new TransitionLogRepository();

  /** The hot listings go through `pg` directly, on the pool under `db` (src/db/epoch-listing.ts). */
  private readonly listing: EpochListing;

  constructor(
    private readonly db: DbTx,
    pool: pg.Pool,
  ) {
    this.listing = EpochListing.overPool(pool);
  }

  topics(ids: readonly bigint[]): Promise<TopicRecord[]> {
    return this.topicRepo.getMany(this.db, ids);
  }

  listTopics(opts: { active?: boolean; afterId?: bigint; limit: number }): Promise<TopicRecord[]> {
    return this.topicRepo.list(this.db, opts);
  }

  countTopics(opts: { active?: boolean }): Promise<number> {
    return this.topicRepo.count(this.db, opts);
  }

  epochs(keys: readonly EpochKey[]): Promise<EpochRecord[]> {
    return this.epochRepo.getMany(this.db, keys);
  }

  listEpochs(filter: EpochFilter, page: SortedEpochPage): Promise<EpochRecord[]> {
    return this.listing.list(filter, page);
  }

  countEpochs(filter: EpochFilter): Promise<number> {
    return this.listing.count(filter);
  }

  reputerOverlaps(keys: readonly EpochKey[]): Promise<EpochKey[]> {
    return this.epochRepo.reputerOverlaps(this.db, keys);
  }

  transitionRecords(ids: readonly bigint[]): Promise<TransitionLogRecord[]> {
    return this.logRepo.getMany(this.db, ids);
  }

  listEpochsOfTopics(topicIds: readonly bigint[], states: readonly EpochState[] | undefined, page: EpochPage): Promise<EpochRecord[]> {
    return this.epochRepo.listForTopics(this.db, topicIds, states, page);
  }

  countEpochsOfTopics(topicIds: readonly bigint[], states: readonly EpochState[] | undefined): Promise<Map<bigint, number>> {
    return this.epochRepo.countForTopics(this.db, topicIds, states);
  }

  countByState(topicId?: bigint): Promise<Map<EpochState, number>> {
    return this.epochRepo.countByState(this.db, topicId);
  }

  listTransitions(filter: LogFilter, page: LogPage): Promise<TransitionLogRecord[]> {
    return this.logRepo.list(this.db, filter, { ...page, settled: true });
  }

  listTransitionsOfEpochs(keys: readonly EpochKey[], page: LogPage): Promise<TransitionLogRecord[]> {
    return this.logRepo.listForEpochs(this.db, keys, { ...page, settled: true });
  }

  async ping(): Promise<void> {
    await queryRows(this.db, ping());
  }
}
