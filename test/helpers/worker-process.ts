/** Scheduler workers as child processes (test/fixtures/worker-process.ts). */
import type { ChildProcess } from "node:child_process";
import { spawnTsx } from "./child-process.js";
import path from "node:path";

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** The scheduler worker's id (its `ready <id>` line). */
  readonly id: string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

const fixture = path.resolve(import.meta.dirname, "../fixtures/worker-process.ts");

/** `env` adds settings the fixture reads (WORKER_BATCH_SIZE). */
export function spawnWorker(databaseUrl: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const { child, signal } = spawnTsx(fixture, { ...env, DATABASE_URL: databaseUrl });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve({ child, id: m[1]!, stop: () => signal("SIGTERM"), kill: () => signal("SIGKILL") });
    });
    child.once("exit", (code) => reject(new Error(`worker process exited (${code}) before it was ready`)));
  });
}
