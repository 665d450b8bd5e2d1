/** The scheduler worker's readiness check (/readyz of the API with RUN_WORKER and of the standalone worker). */
import type { ReadinessCheck } from "../observability/health.js";
import type { WorkerHandle } from "./scheduler-worker.js";

export function workerCheck(worker: Pick<WorkerHandle, "problem">): ReadinessCheck {
  return {
    name: "worker",
    check: async () => {
      const problem = worker.problem;
      if (problem) throw new Error(problem);
    },
  };
}
