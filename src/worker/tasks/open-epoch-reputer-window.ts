/** emissions:open_epoch_reputer_window: Due at start + groundTruthLag. */
import { EpochTransition } from "../../domain/index.js";
import { lifecycleStepTask, type StepTaskOptions } from "./lifecycle-step.js";

export const openEpochReputerWindow = (opts: StepTaskOptions) => lifecycleStepTask(EpochTransition.OPEN_REPUTER_WINDOW, opts);
