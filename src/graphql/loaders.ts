/**
 * Per-request DataLoaders: nested fields (Epoch.topic, Topic.epochs, Epoch.transitions,
 * TransitionRecord.epoch) of a whole page are fetched with one statement each instead of one per
 * row. Paged loaders are keyed by their page arguments, since one request may ask for several.
 */
import DataLoader from "dataloader";
import type { EpochPage, LogPage, ReadModel } from "../app/read-model.js";
import type { EpochKey, EpochRecord, TopicRecord, TransitionLogRecord } from "../app/records.js";
import type { EpochState } from "../domain/index.js";

const epochKeyOf = (k: EpochKey) => `${k.topicId}/${k.nonce}`;

export class Loaders {
  readonly topic: DataLoader<bigint, TopicRecord | null, string>;
  private readonly epochLoader: DataLoader<EpochKey, EpochRecord | null, string>;
  /** Pages listed but not yet primed into `epoch`: most requests never look an epoch up by key. */
  private unprimed: (readonly EpochRecord[])[] = [];
  readonly transitionRecord: DataLoader<bigint, TransitionLogRecord | null, string>;
  /** Whether an epoch's open reputer window overlaps an older open one of its topic. */
  readonly reputerOverlap: DataLoader<EpochKey, boolean, string>;
  private readonly paged = new Map<string, DataLoader<never, unknown, string>>();

  constructor(private readonly readModel: ReadModel) {
    this.topic = new DataLoader(
      async (ids) => {
        const byId = new Map((await readModel.topics(ids)).map((t) => [t.id, t]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { cacheKeyFn: String },
    );
    this.epochLoader = new DataLoader(
      async (keys) => {
        const byKey = new Map((await readModel.epochs(keys)).map((e) => [epochKeyOf(e), e]));
        return keys.map((k) => byKey.get(epochKeyOf(k)) ?? null);
      },
      { cacheKeyFn: epochKeyOf },
    );
    this.transitionRecord = new DataLoader(
      async (ids) => {
        const byId = new Map((await readModel.transitionRecords(ids)).map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { cacheKeyFn: String },
    );
    this.reputerOverlap = new DataLoader(
      async (keys) => {
        const overlapping = new Set((await readModel.reputerOverlaps(keys)).map(epochKeyOf));
        return keys.map((k) => overlapping.has(epochKeyOf(k)));
      },
      { cacheKeyFn: epochKeyOf },
    );
  }

  get epoch(): DataLoader<EpochKey, EpochRecord | null, string> {
    if (this.unprimed.length > 0) {
      for (const rows of this.unprimed) for (const r of rows) this.epochLoader.prime(r, r);
      this.unprimed = [];
    }
    return this.epochLoader;
  }

  /** Epochs of each topic, up to page.limit rows each, newest first. */
  epochsOfTopic(states: readonly EpochState[] | undefined, page: EpochPage): DataLoader<bigint, EpochRecord[], string> {
    return this.memo(`epochs:${String(states)}:${page.limit}:${positionKey(page.after)}`, () =>
      new DataLoader<bigint, EpochRecord[], string>(
        async (ids) => group(await this.readModel.listEpochsOfTopics(ids, states, page), ids, (e) => String(e.topicId), String),
        { cacheKeyFn: String },
      ),
    );
  }

  epochCountOfTopic(states: readonly EpochState[] | undefined): DataLoader<bigint, number, string> {
    return this.memo(`epoch-count:${String(states)}`, () =>
      new DataLoader<bigint, number, string>(
        async (ids) => {
          const counts = await this.readModel.countEpochsOfTopics(ids, states);
          return ids.map((id) => counts.get(id) ?? 0);
        },
        { cacheKeyFn: String },
      ),
    );
  }

  /** Transition records of each epoch, up to page.limit each, oldest first. */
  transitionsOfEpoch(page: LogPage): DataLoader<EpochKey, TransitionLogRecord[], string> {
    return this.memo(`transitions:${page.limit}:${positionKey(page.after)}`, () =>
      new DataLoader<EpochKey, TransitionLogRecord[], string>(
        async (keys) => group(await this.readModel.listTransitionsOfEpochs(keys, page), keys, epochKeyOf, epochKeyOf),
        { cacheKeyFn: epochKeyOf },
      ),
    );
  }

  /** Rows a listing already fetched answer later lookups (e.g. TransitionRecord.epoch) without SQL; primed on the first lookup. */
  primeEpochs(rows: readonly EpochRecord[]): void {
    this.unprimed.push(rows);
  }

  primeTopics(rows: readonly TopicRecord[]): void {
    for (const r of rows) this.topic.prime(r.id, r);
  }

  /** Forget everything loaded (long-lived contexts, e.g. one subscription, between events). */
  clearAll(): void {
    this.topic.clearAll();
    this.unprimed = [];
    this.epochLoader.clearAll();
    this.transitionRecord.clearAll();
    this.reputerOverlap.clearAll();
    this.paged.clear();
  }

  private memo<L>(key: string, make: () => L): L {
    let loader = this.paged.get(key) as L | undefined;
    if (!loader) {
      loader = make();
      this.paged.set(key, loader as DataLoader<never, unknown, string>);
    }
    return loader;
  }
}

function positionKey(after: object | undefined): string {
  return after ? Object.values(after).map(String).join(",") : "-";
}

/** Rows grouped per requested key, in the order of `keys` (rows keep their SQL order). */
function group<K, R>(rows: R[], keys: readonly K[], rowKey: (r: R) => string, key: (k: K) => string): R[][] {
  const byKey = new Map<string, R[]>();
  for (const r of rows) {
    const list = byKey.get(rowKey(r));
    if (list) list.push(r);
    else byKey.set(rowKey(r), [r]);
  }
  return keys.map((k) => byKey.get(key(k)) ?? []);
}
