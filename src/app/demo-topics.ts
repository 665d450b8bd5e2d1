/**
 * Demo data: a few topics with short settings, active, so windows open and close within the
 * first minute. Idempotent: on a restart the same topics are (re)activated, not duplicated.
 */
import { ConflictError } from "../domain/index.js";
import type { LifecycleCommands } from "./lifecycle-commands.js";
import type { TopicRecord } from "./records.js";

const DEMO_TOPICS = [
  { id: 9001n, epochLength: 10, groundTruthLag: 10, workerSubmissionWindow: 4 },
  { id: 9002n, epochLength: 15, groundTruthLag: 20, workerSubmissionWindow: 5 },
  { id: 9003n, epochLength: 20, groundTruthLag: 20, workerSubmissionWindow: 8 },
  { id: 9004n, epochLength: 30, groundTruthLag: 45, workerSubmissionWindow: 10 },
] as const;

export async function ensureDemoTopics(commands: LifecycleCommands): Promise<TopicRecord[]> {
  const topics: TopicRecord[] = [];
  for (const t of DEMO_TOPICS) {
    try {
      topics.push(await commands.createTopic({ ...t, active: true }));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      topics.push(await commands.activateTopic(t.id));
    }
  }
  return topics;
}
