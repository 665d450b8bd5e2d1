/**
 * emissions:start_new_epoch: starts a topic's next periodic epoch and re-schedules itself for the
 * one after (see ScheduledWork.runPeriodicStart for the catch-up and idempotency rules). Like the
 * steps, its transaction opens PREPARE_MS ahead and writes at the instant.
 */
import type { Task } from "graphile-worker";
import type { ScheduledWorkRunner } from "../../app/scheduled-work.js";
import { parsePeriodicPayload } from "../../jobs/job-payloads.js";
import { PREPARE_MS } from "../prepare-ahead.js";
import { sleepUntil } from "../sleep-until.js";

export const startNewEpoch =
  ({ work }: { work: ScheduledWorkRunner }): Task =>
  async (payload, helpers) => {
    const { job, dueAt } = parsePeriodicPayload(payload);
    await sleepUntil(dueAt - PREPARE_MS); // claimed up to WORKER_LEAD_MS early
    // The write waits on the database server for the instant (a locked retry, after the topic
    // changed meanwhile, runs when that first write returned: at or after the instant).
    const outcome = await work.runPeriodicStart(job, { notBefore: dueAt });
    if (outcome.kind === "started" && (outcome.missed > 0 || outcome.late)) {
      const when = outcome.late ? `now (${new Date(outcome.startAt).toISOString()}, ${Date.now() - dueAt} ms after its instant), re-anchoring the schedule there` : "on its grid instant";
      helpers.logger.info(`topic ${job.topicId}: ${outcome.missed} periodic start(s) missed while no worker ran; started the current one ${when}`);
    }
  };
