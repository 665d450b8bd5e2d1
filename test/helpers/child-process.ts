/** A TypeScript entry point in a child process, killed when the calling test ends. */
import { spawn, type ChildProcess } from "node:child_process";
import { after } from "node:test";

export interface TsxChild {
  readonly child: ChildProcess;
  /** Sends the signal (if still running) and resolves when the process has exited. */
  signal(sig: NodeJS.Signals): Promise<void>;
}

/**
 * Registered in the calling test (or suite) context: call it from a test, not a before hook.
 * stdout is piped (read it, or a chatty child blocks); stderr is inherited unless `stderr: "pipe"`.
 */
export function spawnTsx(file: string, env: NodeJS.ProcessEnv, opts: { stderr?: "inherit" | "pipe" } = {}): TsxChild {
  const child = spawn(process.execPath, ["--import", "tsx", file], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", opts.stderr ?? "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  after(() => signal("SIGKILL"));
  return { child, signal };
}
