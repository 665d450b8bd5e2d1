/**
 * What the data generator writes, computed without I/O: topics with varied settings, each with a
 * history of periodic epochs whose states and transition records are what the scheduler would have
 * produced by `now`. Window times come from the domain (computeWindows, periodicStartAt) and every
 * state change goes through the FSM (applyTransition), so rows are valid for the app.
 *
 * Per topic: the newest epoch started a random fraction of an epochLength before `now`, so at any
 * instant about workerSubmissionWindow / epochLength of the topics have an open worker window and
 * each has one or two open reputer windows. Every state appears: 1 % of finished epochs were
 * cancelled midway; every 50th topic (index 7 mod 50) is behind on its newest COMPLETE (so
 * PENDING_COMPLETION); every 50th (index 3 mod 50) has a legacy version-0 epoch still in INIT.
 * The last topic has id 2^64 − 1 and an always-open worker window (uint64 extremes on the wire).
 */
import {
  EpochState,
  EpochTransition,
  TransitionSource,
  UINT64_MAX,
  applyTransition,
  computeWindows,
  makeNonce,
  periodicStartAt,
  validateTopicSettings,
  type EpochWindows,
  type TopicSettings,
} from "../src/domain/index.js";

export interface DatasetSize {
  readonly topics: number;
  readonly epochs: number;
}

/** `tiny` is the CI smoke size; small / medium / full are the scaling steps (100 epochs per topic). */
export const PRESETS = {
  tiny: { topics: 20, epochs: 500 },
  small: { topics: 100, epochs: 10_000 },
  medium: { topics: 1_000, epochs: 100_000 },
  full: { topics: 10_000, epochs: 1_000_000 },
} as const satisfies Record<string, DatasetSize>;
export type PresetName = keyof typeof PRESETS;

export interface PlannedTopic extends TopicSettings {
  readonly id: bigint;
  readonly activatedAt: number;
  /** Newest version-1 nonce (the persisted counter). */
  readonly lastNonce: bigint;
  readonly createdAt: number;
}

export interface PlannedTransition {
  readonly transition: EpochTransition;
  readonly from: EpochState;
  readonly to: EpochState;
  readonly at: number;
  readonly dueAt: number | null;
  readonly source: TransitionSource;
  readonly reason: string | null;
}

export interface PlannedEpoch {
  /** Index of the topic in DatasetPlan.topics. */
  readonly topicIndex: number;
  readonly topicId: bigint;
  readonly nonce: bigint;
  readonly state: EpochState;
  readonly version: number;
  readonly windows: EpochWindows;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly transitions: readonly PlannedTransition[];
}

const EPOCH_LENGTHS = [30, 60, 120, 300, 600];
const CANCEL_RATE = 0.01;

/** mulberry32: a small seeded generator, so a size always produces the same rows. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class DatasetPlan {
  readonly topics: PlannedTopic[] = [];
  /** Epochs per topic. */
  private readonly counts: number[] = [];

  constructor(
    readonly size: DatasetSize,
    readonly now: number,
    private readonly seed = 1,
  ) {
    if (!(size.topics >= 1 && size.epochs >= size.topics)) throw new Error(`need at least one epoch per topic, got ${size.topics} topics and ${size.epochs} epochs`);
    const rnd = random(seed);
    for (let i = 0; i < size.topics; i++) {
      const last = i === size.topics - 1;
      const epochLength = EPOCH_LENGTHS[Math.floor(rnd() * EPOCH_LENGTHS.length)]!;
      const workerSubmissionWindow = last ? epochLength : Math.max(1, Math.round(epochLength * (0.25 + 0.75 * rnd())));
      const groundTruthLag = epochLength + Math.floor(rnd() * 2 * epochLength); // GTL ≥ EL, as the chain requires
      const settings = validateTopicSettings({ epochLength, groundTruthLag, workerSubmissionWindow });
      const count = Math.floor(size.epochs / size.topics) + (i < size.epochs % size.topics ? 1 : 0);
      const regular = this.hasLegacyInit(i, count) ? count - 1 : count;
      const phase = Math.floor(rnd() * epochLength * 1000);
      const activatedAt = now - phase - (regular - 1) * epochLength * 1000;
      this.counts.push(count);
      this.topics.push({
        id: last && size.topics > 1 ? UINT64_MAX : BigInt(i + 1),
        ...settings,
        activatedAt,
        lastNonce: makeNonce(1, BigInt(regular)),
        createdAt: activatedAt - 1000,
      });
    }
  }

  /** Epochs in the order a live system would have inserted them: by start instant. */
  *epochsByStart(): Generator<PlannedEpoch> {
    const starts = new Float64Array(this.size.epochs);
    const topicOf = new Uint32Array(this.size.epochs);
    const indexOf = new Uint32Array(this.size.epochs);
    let n = 0;
    for (const [t, topic] of this.topics.entries()) {
      for (let j = 0; j < this.counts[t]!; j++) {
        starts[n] = this.startOf(topic, j);
        topicOf[n] = t;
        indexOf[n] = j;
        n++;
      }
    }
    const order = new Uint32Array(n).map((_, i) => i).sort((a, b) => starts[a]! - starts[b]! || a - b);
    for (const k of order) yield this.epoch(topicOf[k]!, indexOf[k]!);
  }

  private hasLegacyInit(topicIndex: number, count: number): boolean {
    return topicIndex % 50 === 3 && count >= 2;
  }

  /** Periodic start j; the legacy INIT epoch (last index) is thus due one period after the newest regular one. */
  private startOf(topic: PlannedTopic, j: number): number {
    return periodicStartAt(topic, topic.activatedAt, j);
  }

  /** Epoch `j` of topic `t`: the regular ones are periodic starts; a legacy INIT one comes last. */
  private epoch(t: number, j: number): PlannedEpoch {
    const topic = this.topics[t]!;
    const windows = computeWindows(topic, this.startOf(topic, j));
    if (this.hasLegacyInit(t, this.counts[t]!) && j === this.counts[t]! - 1) {
      return {
        topicIndex: t,
        topicId: topic.id,
        nonce: makeNonce(0, 5_000_000n + BigInt(t)),
        state: EpochState.INIT,
        version: 0,
        windows,
        createdAt: this.now - 60_000,
        updatedAt: this.now - 60_000,
        transitions: [],
      };
    }
    const rnd = random(this.seed * 1_000_003 + t * 7919 + j);
    const newestRegular = (this.hasLegacyInit(t, this.counts[t]!) ? this.counts[t]! - 2 : this.counts[t]! - 1) === j;
    const steps: Array<[EpochTransition, number]> = [
      [EpochTransition.OPEN_WORKER_WINDOW, windows.workerOpenAt],
      [EpochTransition.CLOSE_WORKER_WINDOW, windows.workerCloseAt],
      [EpochTransition.OPEN_REPUTER_WINDOW, windows.reputerOpenAt],
      [EpochTransition.CLOSE_REPUTER_WINDOW, windows.reputerCloseAt],
      [EpochTransition.COMPLETE, windows.reputerCloseAt],
    ];
    let due = steps.filter(([, at]) => at <= this.now);
    // Behind on COMPLETE: the newest epoch that closed its reputer window waits in PENDING_COMPLETION.
    if (t % 50 === 7 && due.length === 5 && this.isNewestClosed(t, j)) due = due.slice(0, 4);
    // Cancelled midway (by an operator), only among epochs that would have finished by now.
    const cancelAfter = due.length === 5 && !newestRegular && rnd() < CANCEL_RATE ? 1 + Math.floor(rnd() * 4) : null;
    if (cancelAfter !== null) due = due.slice(0, cancelAfter);

    let status = { state: EpochState.INIT, version: 0 };
    const transitions: PlannedTransition[] = [];
    let at = windows.workerOpenAt;
    for (const [transition, dueAt] of due) {
      const step = applyTransition(status, transition);
      at = Math.max(at, dueAt + 2 + Math.floor(rnd() * 20)); // a few ms of scheduler lateness
      transitions.push({ transition, from: step.from, to: step.to, at, dueAt, source: TransitionSource.SCHEDULER, reason: null });
      status = step.epoch;
    }
    if (cancelAfter !== null) {
      const step = applyTransition(status, EpochTransition.CANCEL);
      at += 500;
      transitions.push({ transition: EpochTransition.CANCEL, from: step.from, to: step.to, at, dueAt: null, source: TransitionSource.API, reason: "bench: cancelled by an operator" });
      status = step.epoch;
    }
    return {
      topicIndex: t,
      topicId: topic.id,
      nonce: makeNonce(1, BigInt(j + 1)),
      state: status.state,
      version: status.version,
      windows,
      createdAt: windows.workerOpenAt,
      updatedAt: at,
      transitions,
    };
  }

  /** Whether epoch j is the newest of its topic whose reputer window has closed by `now`. */
  private isNewestClosed(t: number, j: number): boolean {
    const topic = this.topics[t]!;
    const next = j + 1;
    const regular = this.hasLegacyInit(t, this.counts[t]!) ? this.counts[t]! - 1 : this.counts[t]!;
    if (next >= regular) return true;
    return computeWindows(topic, this.startOf(topic, next)).reputerCloseAt > this.now;
  }
}
