/** Shared by the benchmarks: percentiles and a dated entry in bench/RESULTS.md. */
import { appendFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Appends `lines` under a heading with the date, machine and versions. */
export async function recordResult(name: string, lines: string[]): Promise<void> {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  const heading = `\n### ${name} — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC — ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(2)}\n\n`;
  await appendFile(path.resolve(import.meta.dirname, "RESULTS.md"), heading + lines.join("\n") + "\n");
}

/** The 1-, 5- and 15-minute load averages, for benches on a shared host. */
export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(" ");
}
