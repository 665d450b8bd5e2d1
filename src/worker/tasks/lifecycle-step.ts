/**
 * The shape shared by the five lifecycle-step tasks: parse the epoch key, wait for the due instant
 * (jobs are claimed up to WORKER_LEAD_MS early), run the step. A step
 * whose prerequisite has not happened yet (e.g. complete picked up while close-reputer, due at the
 * same instant, is still committing) re-checks a few times within ~100 ms, then re-queues itself
 * `waitRetryMs` later. It never fails for good and never skips.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Task } from "graphile-worker";
import type { ScheduledWorkRunner } from "../../app/scheduled-work.js";
import type { EpochTransition } from "../../domain/index.js";
import { parseEpochPayload } from "../../jobs/job-payloads.js";
import { sleepUntil } from "../sleep-until.js";

export interface StepTaskOptions {
  readonly work: ScheduledWorkRunner;
  readonly waitRetryMs: number;
}

const QUICK_RECHECKS_MS = [2, 5, 10, 20, 40];

export function lifecycleStepTask(transition: EpochTransition, { work, waitRetryMs }: StepTaskOptions): Task {
  return async (payload, helpers) => {
    const { key, dueAt } = parseEpochPayload(payload);
    await sleepUntil(dueAt);
    for (const pause of QUICK_RECHECKS_MS) {
      const outcome = await work.runStep(key, transition);
      if (outcome.kind !== "wait") return;
      await sleep(pause);
    }
    const outcome = await work.runStep(key, transition, { requeueAt: Date.now() + waitRetryMs });
    if (outcome.kind === "wait") helpers.logger.debug(`${helpers.job.task_identifier} ${key.topicId}/${key.nonce}: prerequisite pending; re-queued`);
  };
}
