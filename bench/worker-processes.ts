/**
 * Scheduler workers for the scheduler benches, as production runs them: `src/bin/worker.ts`, one
 * process each, against the bench's database. Started when they print their "running" line;
 * stopped with SIGTERM, timed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** SIGTERM, then how long the process took to exit and its exit code. */
  stop(): Promise<{ readonly ms: number; readonly code: number | null }>;
}

/**
 * Start `src/bin/worker.ts` on `url` and wait for its "running" line. BENCH_WORKER_NODE_ARGS adds
 * node flags (e.g. "--cpu-prof --cpu-prof-dir=/some/dir": NODE_OPTIONS may not carry --cpu-prof);
 * BENCH_WORKER_LOG_LEVEL sets its LOG_LEVEL (default error: the bench's output stays readable).
 */
export async function startWorkerProcess(url: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const entry = path.resolve(import.meta.dirname, "../src/bin/worker.ts");
  const extra = (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...extra, "--import", "tsx", entry], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? "error", WORKER_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (/^scheduler worker \S+ running/.test(line)) resolve();
      else process.stdout.write(`[worker] ${line}\n`);
    });
    void exited.then((code) => reject(new Error(`worker process exited (${code}) before it ran`)));
  });
  let stopped: Promise<{ ms: number; code: number | null }> | undefined;
  return {
    child,
    stop() {
      stopped ??= (async () => {
        const t0 = performance.now();
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const code = await exited;
        return { ms: performance.now() - t0, code };
      })();
      return stopped;
    },
  };
}
