/** emissions:complete_epoch: Due at the reputer window's end too, with a larger priority number so it is taken after the close; if taken concurrently, it waits for the close. */
import { EpochTransition } from "../../domain/index.js";
import { lifecycleStepTask, type StepTaskOptions } from "./lifecycle-step.js";

export const completeEpoch = (opts: StepTaskOptions) => lifecycleStepTask(EpochTransition.COMPLETE, opts);
