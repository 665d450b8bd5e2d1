/** Scheduler workers as child processes (test/fixtures/worker-process.ts). */
import type { ChildProcess } from "node:child_process";
import { spawnTsx } from "./child-process.js";
import path from "node:path";

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly poolId: string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

const fixture = path.resolve(import.meta.dirname, "../fixtures/worker-process.ts");

export function spawnWorker(databaseUrl: string): Promise<WorkerProcess> {
  const { child, signal } = spawnTsx(fixture, { DATABASE_URL: databaseUrl });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve({ child, poolId: m[1]!, stop: () => signal("SIGTERM"), kill: () => signal("SIGKILL") });
    });
    child.once("exit", (code) => reject(new Error(`worker process exited (${code}) before it was ready`)));
  });
}
