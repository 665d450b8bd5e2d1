/**
 * The shape shared by the five lifecycle-step tasks: parse the epoch key, wait for the due instant
 * (jobs are claimed up to WORKER_LEAD_MS early; the transaction opens PREPARE_MS before it), run
 * the step. Its transaction queues the epoch's next step; when that one is already due (complete
 * after close-reputer; overdue steps after downtime), it is run here and now, in a transaction of
 * its own, instead of waiting for another look at the queue. A step whose prerequisite has not happened yet (only possible for a job
 * queued by an older version, which queued every step at the start) re-checks a few times within
 * ~100 ms, then re-queues itself `waitRetryMs` later. It never fails for good and never skips.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Task } from "graphile-worker";
import type { ScheduledWorkRunner, StepOutcome } from "../../app/scheduled-work.js";
import type { EpochRecord } from "../../app/records.js";
import { EpochTransition, applyTransition } from "../../domain/index.js";
import { parseEpochPayload } from "../../jobs/job-payloads.js";
import { sleepUntil } from "../sleep-until.js";
import { PREPARE_MS } from "../prepare-ahead.js";

export interface StepTaskOptions {
  readonly work: ScheduledWorkRunner;
  readonly waitRetryMs: number;
}

const QUICK_RECHECKS_MS = [2, 5, 10, 20, 40];

/**
 * Steps whose successor is due at the same instant (complete, after close-reputer). Its transaction
 * is opened while this step's still holds the epoch's lock, so it queues on that lock and runs the
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
    const beforeWrite = async (epoch: EpochRecord) => {
      await sleepUntil(dueAt);
      // Under our lock, decided to apply: the successor's transaction queues behind us and, told
      // what we leave, writes without reading. If we roll back, its compare-and-set fails, it reads,
      // finds its prerequisite missing and ends (our job is retried and hands it over again).
      if (successor !== undefined && !early) {
        const expected = applyTransition(epoch, transition).epoch;
        early = { transition: successor, outcome: work.runStep(key, successor, { chain: true, chained: true, expected }) };
      }
    };
    try {
      await sleepUntil(dueAt - PREPARE_MS);
      let outcome: StepOutcome | undefined;
      for (const pause of QUICK_RECHECKS_MS) {
        outcome = await work.runStep(key, transition, { chain: true, beforeWrite });
        if (outcome.kind !== "wait") break;
        await sleep(pause);
      }
      if (outcome?.kind === "wait") {
        outcome = await work.runStep(key, transition, { requeueAt: Date.now() + waitRetryMs, chain: true, beforeWrite });
        if (outcome.kind === "wait") helpers.logger.debug(`${helpers.job.task_identifier} ${key.topicId}/${key.nonce}: prerequisite pending; re-queued`);
      }
      // The next step is already due: run it now (its queued job is only a safety net).
      while (outcome?.kind === "applied" && outcome.next) {
        const next = outcome.next;
        if (early?.transition === next.transition) {
          const pending = early.outcome;
          early = undefined;
          outcome = await pending;
          continue;
        }
        await sleepUntil(next.dueAt);
        outcome = await work.runStep(key, next.transition, { chain: true, chained: true });
      }
    } finally {
      // Opened but not handed over (this step was not applied): let it end; it changes nothing then.
      if (early) await early.outcome.catch((e: Error) => helpers.logger.error(`${key.topicId}/${key.nonce}: ${e.message}`));
    }
  };
}
