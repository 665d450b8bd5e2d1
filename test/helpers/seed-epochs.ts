/**
 * Seeds topics with one epoch in every state each, through the real lifecycle store (so the
 * transition log is what production writes). INIT epochs are inserted directly with a legacy
 * (version 0) nonce, since starting an epoch opens its worker window at once.
 */
import type { EpochRecord, TopicRecord } from "../../src/app/records.js";
import { LifecycleStore } from "../../src/db/lifecycle-store.js";
import type { Db } from "../../src/db/prisma-client.js";
import { toStored } from "../../src/db/uint64-column.js";
import { EpochState, EpochTransition, TransitionSource, UINT64_MAX, computeWindows } from "../../src/domain/index.js";
import { untilLogSettled } from "./settled-log.js";

export const SETTINGS = { epochLength: 60, groundTruthLag: 90, workerSubmissionWindow: 10 };
export const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

const { OPEN_REPUTER_WINDOW, CLOSE_WORKER_WINDOW, CLOSE_REPUTER_WINDOW, COMPLETE, CANCEL } = EpochTransition;
/** Steps after the start (which opens the worker window) that bring an epoch to each state. */
const PATHS: ReadonlyArray<readonly EpochTransition[]> = [
  [CLOSE_WORKER_WINDOW, OPEN_REPUTER_WINDOW, CLOSE_REPUTER_WINDOW, COMPLETE], // COMPLETED
  [CLOSE_WORKER_WINDOW, OPEN_REPUTER_WINDOW, CLOSE_REPUTER_WINDOW], // PENDING_COMPLETION
  [CLOSE_WORKER_WINDOW, OPEN_REPUTER_WINDOW], // REPUTER_SUBMISSION
  [CLOSE_WORKER_WINDOW], // WAITING_GROUND_TRUTH
  [], // WORKER_SUBMISSION
  [CANCEL], // CANCELLED
];

export interface Seeded {
  readonly topics: TopicRecord[];
  /** Every epoch as it ended up. */
  readonly epochs: EpochRecord[];
  /** A topic without epochs. */
  readonly emptyTopicId: bigint;
}

/** Topics 1, 2, 3 and 2^64 − 1, each with seven epochs (one per state); topic 4 has none. */
export async function seedEpochs(prisma: Db, opts: { topicIds?: bigint[] } = {}): Promise<Seeded> {
  const store = new LifecycleStore(prisma);
  const ids = opts.topicIds ?? [1n, 2n, 3n, UINT64_MAX];
  const topics: TopicRecord[] = [];
  const epochs: EpochRecord[] = [];
  for (const [i, id] of ids.entries()) {
    await store.topics.create(prisma, { id, ...SETTINGS });
    // Active for listings but with no next start, so a scheduler running beside the seed starts nothing.
    if (i % 2 === 0) await prisma.$executeRaw`UPDATE topic SET active = true WHERE id = ${toStored(id)}`;
    topics.push((await store.topics.get(prisma, id))!);
    for (const [j, path] of PATHS.entries()) {
      // Starts interleave across topics, so "newest first" mixes them.
      const started = await store.startEpoch(id, T0 + j * 60_000 + i * 1000, TransitionSource.SCHEDULER);
      let epoch = started.epoch;
      for (const t of path) epoch = (await store.applyTransition({ ...epoch, transition: t, source: TransitionSource.API, dueAt: null, reason: t === CANCEL ? "seed" : null })).epoch;
      epochs.push(epoch);
    }
    const legacy = await store.epochs.insert(prisma, {
      topicId: id,
      nonce: 5000n + BigInt(i),
      state: EpochState.INIT,
      windows: computeWindows(SETTINGS, T0 + 10 * 60_000 + i * 1000),
    });
    epochs.push(legacy);
  }
  const empty = (await store.topics.create(prisma, { id: 4n, ...SETTINGS }))!;
  topics.push(empty);
  await untilLogSettled(prisma); // seeded means listed
  return { topics, epochs, emptyTopicId: empty.id };
}

/** The API's epoch order: newest first by (workerOpenAt, topicId, nonce). */
export function newestFirst(a: EpochRecord, b: EpochRecord): number {
  const key = (e: EpochRecord) => [BigInt(e.windows.workerOpenAt), e.topicId, e.nonce] as const;
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]! ? -1 : 1;
  return 0;
}

export const epochId = (e: { topicId: bigint | string; nonce: bigint | string }) => `${e.topicId}/${e.nonce}`;
