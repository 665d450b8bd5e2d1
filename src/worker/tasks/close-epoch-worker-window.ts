/** emissions:close_epoch_worker_window: Due at the worker window's end (start + workerSubmissionWindow). */
import { EpochTransition } from "../../domain/index.js";
import { lifecycleStepTask, type StepTaskOptions } from "./lifecycle-step.js";

export const closeEpochWorkerWindow = (opts: StepTaskOptions) => lifecycleStepTask(EpochTransition.CLOSE_WORKER_WINDOW, opts);
