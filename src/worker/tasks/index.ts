/** The task list: domain task name → executor. */
import type { TaskList } from "graphile-worker";
import { Task } from "../../domain/index.js";
import { closeEpochReputerWindow } from "./close-epoch-reputer-window.js";
import { closeEpochWorkerWindow } from "./close-epoch-worker-window.js";
import { completeEpoch } from "./complete-epoch.js";
import type { StepTaskOptions } from "./lifecycle-step.js";
import { openEpochReputerWindow } from "./open-epoch-reputer-window.js";
import { openEpochWorkerWindow } from "./open-epoch-worker-window.js";
import { startNewEpoch } from "./start-new-epoch.js";

export function lifecycleTaskList(opts: StepTaskOptions): TaskList {
  return {
    [Task.OPEN_WORKER_WINDOW]: openEpochWorkerWindow(opts),
    [Task.CLOSE_WORKER_WINDOW]: closeEpochWorkerWindow(opts),
    [Task.OPEN_REPUTER_WINDOW]: openEpochReputerWindow(opts),
    [Task.CLOSE_REPUTER_WINDOW]: closeEpochReputerWindow(opts),
    [Task.COMPLETE]: completeEpoch(opts),
    [Task.START_NEW_EPOCH]: startNewEpoch(opts),
  };
}
