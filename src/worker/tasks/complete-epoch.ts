/**
 * emissions:complete_epoch: Due at the reputer window's end too. Queued by close-reputer's
 * transaction and normally run by the worker that closed, right after it (this job is then a safety
 * net that the completing transaction removes); it runs as a job when that worker died in between,
 * or when the close was applied by an operator.
 */
import { EpochTransition } from "../../domain/index.js";
import { lifecycleStepTask, type StepTaskOptions } from "./lifecycle-step.js";

export const completeEpoch = (opts: StepTaskOptions) => lifecycleStepTask(EpochTransition.COMPLETE, opts);
