/** emissions:open_epoch_worker_window: Not scheduled normally (starting an epoch opens its worker window in the same transaction); kept so a queued job of this name still runs. */
import { EpochTransition } from "../../domain/index.js";
import { lifecycleStepTask, type StepTaskOptions } from "./lifecycle-step.js";

export const openEpochWorkerWindow = (opts: StepTaskOptions) => lifecycleStepTask(EpochTransition.OPEN_WORKER_WINDOW, opts);
