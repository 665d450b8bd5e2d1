/**
 * The shape shared by the five lifecycle-step tasks: parse the epoch key, wait for the due instant
 * (jobs are claimed up to WORKER_LEAD_MS early; the transaction opens PREPARE_MS before it), run
 * the step. Its transaction queues the epoch's next step; when that one is already due (complete
 * after close-reputer; overdue steps after downtime), it is not queued but run here and now, as
 * one statement of its own (it knows the epoch as this step left it); this job is its safety net.
 * A step whose prerequisite has not happened yet (only possible for a job queued by an older
 * version, which queued every step at the start) re-checks a few times within ~100 ms, then
 * re-queues itself `waitRetryMs` later. It never fails for good and never skips.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Task } from "graphile-worker";
import type { ScheduledWorkRunner, StepOutcome } from "../../app/scheduled-work.js";
import type { EpochRecord } from "../../app/records.js";
import { EpochTransition } from "../../domain/index.js";
import { parseEpochPayload } from "../../jobs/job-payloads.js";
import { sleepUntil } from "../sleep-until.js";
import { PREPARE_MS } from "../prepare-ahead.js";

export interface StepTaskOptions {
  readonly work: ScheduledWorkRunner;
  readonly waitRetryMs: number;
}

const QUICK_RECHECKS_MS = [2, 5, 10, 20, 40];

/** How long after a step's statement its same-instant successor's is sent (so it arrives second). */
const HAND_OVER_AFTER_MS = 10;

/**
 * Steps whose successor is due at the same instant (complete, after close-reputer). Its one
 * statement is sent once this step has written, so it queues on the epoch's row and runs the
 * moment this one commits, instead of starting its round trips only then.
 */
const SAME_INSTANT_SUCCESSOR: ReadonlyMap<EpochTransition, EpochTransition> = new Map([
  [EpochTransition.CLOSE_REPUTER_WINDOW, EpochTransition.COMPLETE],
]);

export function lifecycleStepTask(transition: EpochTransition, { work, waitRetryMs }: StepTaskOptions): Task {
  return async (payload, helpers) => {
    const { key, dueAt } = parseEpochPayload(payload);
    const successor = SAME_INSTANT_SUCCESSOR.get(transition);
    let early: { transition: EpochTransition; outcome: Promise<StepOutcome> } | undefined;
    const beforeWrite = () => sleepUntil(dueAt);
    const handOver = (expected: EpochRecord, sendAt: number) => {
      if (successor === undefined || early) return;
      early = { transition: successor, outcome: sleepUntil(sendAt).then(() => work.runStep(key, successor, { chain: true, expected })) };
    };
    // Our one statement is on its way (it waits on the server for the instant, holding the epoch's
    // lock): the successor's, sent a little later, queues on that lock and runs as we commit. Should
    // it overtake ours, it writes nothing, then waits for the lock in a transaction and decides.
    const onSent = (leaves: EpochRecord) => handOver(leaves, Math.min(Date.now() + HAND_OVER_AFTER_MS, dueAt));
    // Written, not yet committed (the locked path): the same, at once.
    const afterWrite = (written: EpochRecord) => handOver(written, 0);
    const opts = { chain: true, notBefore: dueAt, onSent, beforeWrite, afterWrite };
    try {
      await sleepUntil(dueAt - PREPARE_MS);
      let outcome: StepOutcome | undefined;
      for (const pause of QUICK_RECHECKS_MS) {
        outcome = await work.runStep(key, transition, opts);
        if (outcome.kind !== "wait") break;
        await sleep(pause);
      }
      if (outcome?.kind === "wait") {
        outcome = await work.runStep(key, transition, { ...opts, requeueAt: Date.now() + waitRetryMs });
        if (outcome.kind === "wait") helpers.logger.debug(`${helpers.job.task_identifier} ${key.topicId}/${key.nonce}: prerequisite pending; re-queued`);
      }
      // The next step is already due and not queued: run it now. This job is its safety net: it
      // completes only after the chain, and a re-run after a crash resumes it (outcome "resume").
      while ((outcome?.kind === "applied" || outcome?.kind === "resume") && outcome.next) {
        const next = outcome.next;
        const from = outcome.epoch;
        if (early?.transition === next.transition) {
          const handed = await early.outcome;
          early = undefined;
          // Not applied only if it ran before we wrote (it then read and found us pending): run it again.
          if (handed.kind === "applied" || handed.kind === "skip") {
            outcome = handed;
            continue;
          }
        }
        await sleepUntil(next.dueAt);
        outcome = await work.runStep(key, next.transition, { chain: true, expected: from });
      }
    } finally {
      // Opened but not handed over (this step was not applied): let it end; it changes nothing then.
      if (early) await early.outcome.catch((e: Error) => helpers.logger.error(`${key.topicId}/${key.nonce}: ${e.message}`));
    }
  };
}
