/**
 * Bulk-loads a DatasetPlan into a migrated database with COPY: topics, then epochs in start order
 * (as a live system inserts them, so the newest rows share the newest heap pages), then the
 * transition log ordered by commit time. One transaction; VACUUM ANALYZE afterwards, as autovacuum
 * would have done on a live table, so plans and visibility are those of a settled database.
 *
 * No jobs are queued: this is a snapshot for read benchmarks; run no worker against it.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { toStored } from "../src/db/uint64-column.js";
import { EpochState, EpochTransition, makeNonce, noncePayload, nonceVersion, stateName } from "../src/domain/index.js";
import { DatasetPlan, type DatasetSize } from "./dataset-plan.js";
import { ProgressBar } from "./progress-bar.js";

export interface GenerateOptions {
  /** The instant the history leads up to (default: now). */
  readonly now?: number;
  readonly seed?: number;
  /** Progress bars on stderr (default true). */
  readonly progress?: boolean;
}

export interface GeneratedData {
  readonly size: DatasetSize;
  readonly now: number;
  readonly transitions: number;
  /** Epochs per state name, every state listed. */
  readonly byState: Record<string, number>;
  /** Load time (COPY) and VACUUM ANALYZE time, seconds. */
  readonly loadSeconds: number;
  readonly vacuumSeconds: number;
}

const BATCH = 2000;
const iso = (ms: number) => new Date(ms).toISOString();

export async function generateData(url: string, size: DatasetSize, opts: GenerateOptions = {}): Promise<GeneratedData> {
  const plan = new DatasetPlan(size, opts.now ?? Date.now(), opts.seed ?? 1);
  const bar = (label: string, total: number) => (opts.progress === false ? null : new ProgressBar(label, total));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    // Parents are written before children and never an orphan, so the per-row foreign-key triggers
    // (the bulk of COPY time) can be skipped when the role may; otherwise they just run.
    await client.query(`SET session_replication_role = replica`).catch(() => {});
    await client.query("BEGIN");
    const topicStored = plan.topics.map((t) => toStored(t.id).toString());

    const topicBar = bar("topics", plan.topics.length);
    await copy(client, `COPY topic (id, epoch_length, ground_truth_lag, worker_submission_window, active, activated_at, last_nonce, created_at, updated_at) FROM STDIN`,
      lines(plan.topics, (t, i) => {
        topicBar?.tick();
        return `${topicStored[i]}\t${t.epochLength}\t${t.groundTruthLag}\t${t.workerSubmissionWindow}\tt\t${iso(t.activatedAt)}\t${toStored(t.lastNonce)}\t${iso(t.createdAt)}\t${iso(t.activatedAt)}\n`;
      }));
    topicBar?.finish();

    // The log is written after the epochs (foreign key) and in commit order, so it is collected here.
    const log = new TransitionColumns(size.epochs * 5);
    const byState = new Map<EpochState, number>();
    const epochBar = bar("epochs", size.epochs);
    await copy(client, `COPY epoch (topic_id, nonce, state, worker_open_at, worker_close_at, reputer_open_at, reputer_close_at, version, created_at, updated_at) FROM STDIN`,
      lines(plan.epochsByStart(), (e) => {
        epochBar?.tick();
        byState.set(e.state, (byState.get(e.state) ?? 0) + 1);
        for (const t of e.transitions) log.push(e.topicIndex, e.nonce, t);
        const w = e.windows;
        return `${topicStored[e.topicIndex]}\t${toStored(e.nonce)}\t${e.state}\t${iso(w.workerOpenAt)}\t${iso(w.workerCloseAt)}\t${iso(w.reputerOpenAt)}\t${iso(w.reputerCloseAt)}\t${e.version}\t${iso(e.createdAt)}\t${iso(e.updatedAt)}\n`;
      }));
    epochBar?.finish();

    const order = log.byCommitTime();
    const logBar = bar("transition log", log.length);
    await copy(client, `COPY transition_record (topic_id, nonce, transition, from_state, to_state, at, due_at, source, reason) FROM STDIN`,
      lines(order, (i) => {
        logBar?.tick();
        const cancel = log.transition[i] === EpochTransition.CANCEL;
        const due = log.due[i]!;
        return `${topicStored[log.topic[i]!]}\t${toStored(makeNonce(1, BigInt(log.payload[i]!)))}\t${log.transition[i]}\t${log.from[i]}\t${log.to[i]}\t${iso(log.at[i]!)}\t${Number.isNaN(due) ? "\\N" : iso(due)}\t${log.source[i]}\t${cancel ? "bench: cancelled by an operator" : "\\N"}\n`;
      }));
    logBar?.finish();
    await client.query("COMMIT");
    await client.query(`RESET session_replication_role`);
    const loaded = performance.now();

    if (opts.progress !== false) process.stderr.write("vacuum analyze…\n");
    await client.query(`VACUUM (ANALYZE) topic, epoch, transition_record`);
    const vacuumed = performance.now();
    return {
      size,
      now: plan.now,
      transitions: log.length,
      byState: Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((s) => [stateName(s), byState.get(s) ?? 0])),
      loadSeconds: (loaded - started) / 1000,
      vacuumSeconds: (vacuumed - loaded) / 1000,
    };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

async function copy(client: pg.Client, sql: string, source: Iterable<string>): Promise<void> {
  await pipeline(Readable.from(source, { objectMode: false }), client.query(copyFrom(sql)));
}

/** COPY text lines, BATCH rows per chunk. */
function* lines<T>(rows: Iterable<T>, line: (row: T, index: number) => string): Generator<string> {
  let chunk = "";
  let n = 0;
  let i = 0;
  for (const row of rows) {
    chunk += line(row, i++);
    if (++n === BATCH) {
      yield chunk;
      chunk = "";
      n = 0;
    }
  }
  if (chunk) yield chunk;
}

/** Transition records as columns (millions of small objects would cost more than the COPY). */
class TransitionColumns {
  length = 0;
  readonly at: Float64Array;
  readonly due: Float64Array;
  readonly topic: Uint32Array;
  readonly payload: Float64Array;
  readonly transition: Uint8Array;
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  readonly source: Uint8Array;

  constructor(capacity: number) {
    this.at = new Float64Array(capacity);
    this.due = new Float64Array(capacity);
    this.topic = new Uint32Array(capacity);
    this.payload = new Float64Array(capacity);
    this.transition = new Uint8Array(capacity);
    this.from = new Uint8Array(capacity);
    this.to = new Uint8Array(capacity);
    this.source = new Uint8Array(capacity);
  }

  push(topicIndex: number, nonce: bigint, t: { transition: number; from: number; to: number; at: number; dueAt: number | null; source: number }): void {
    // Only periodic (version-1) epochs have transitions; legacy ones are still in INIT.
    if (nonceVersion(nonce) !== 1) throw new Error(`unexpected transition of a version-${nonceVersion(nonce)} epoch`);
    const i = this.length++;
    this.topic[i] = topicIndex;
    this.payload[i] = Number(noncePayload(nonce));
    this.at[i] = t.at;
    this.due[i] = t.dueAt ?? NaN;
    this.transition[i] = t.transition;
    this.from[i] = t.from;
    this.to[i] = t.to;
    this.source[i] = t.source;
  }

  /** Indexes ordered by `at` (then by insertion, i.e. an epoch's own order). */
  byCommitTime(): Uint32Array {
    const at = this.at;
    return new Uint32Array(this.length).map((_, i) => i).sort((a, b) => at[a]! - at[b]! || a - b);
  }
}
