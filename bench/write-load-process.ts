/** Starts bench/write-load.ts as a child process and keeps its latest once-a-second report. */
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

export interface WriteLoadReport {
  readonly commitsPerS: number;
  readonly mutationsPerS: number;
  /** Mutations refused as a racing worker makes them (ILLEGAL_TRANSITION, CONFLICT). */
  readonly refused: number;
  /** Any other error: the writes themselves are broken. */
  readonly failed: number;
  readonly lastError: string;
}

export interface WriteLoad {
  latest(): WriteLoadReport | null;
  stop(): Promise<WriteLoadReport | null>;
}

export function startWriteLoad(apiOrigin: string, databaseUrl: string, commitsPerS: number): WriteLoad {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "write-load.ts")], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: { ...process.env, API_ORIGIN: apiOrigin, DATABASE_URL: databaseUrl, TARGET_COMMITS_PER_S: String(commitsPerS) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let latest: WriteLoadReport | null = null;
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    try {
      latest = JSON.parse(line) as WriteLoadReport;
    } catch {
      // not a report line
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    latest: () => latest,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      return latest;
    },
  };
}
