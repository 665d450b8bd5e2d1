/** emissions:close_epoch_reputer_window: Due at the reputer window's end. */
import { EpochTransition } from "../../domain/index.js";
import { lifecycleStepTask, type StepTaskOptions } from "./lifecycle-step.js";

export const closeEpochReputerWindow = (opts: StepTaskOptions) => lifecycleStepTask(EpochTransition.CLOSE_REPUTER_WINDOW, opts);
