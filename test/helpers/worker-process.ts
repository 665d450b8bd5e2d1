/** Scheduler workers as child processes (test/fixtures/worker-process.ts). */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { after } from "node:test";

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
  const child = spawn(process.execPath, ["--import", "tsx", fixture], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  after(() => signal("SIGKILL"));
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
