/**
 * `npm run bench -- generate [tiny|small|medium|full]`: generates a dataset (default full: 10,000
 * topics × 1,000,000 epochs) into a throw-away database and reports how long it took and what it
 * holds. BENCH_KEEP_DB=1 keeps the database and prints its URL (to point an API or psql at it).
 */
import { createBenchDatabase } from "./bench-database.js";
import { generateData } from "./data-generator.js";
import { datasetSizeFromArgs, formatCount } from "./dataset-size.js";
import { recordResult } from "./report.js";

export async function main(): Promise<void> {
  const { label, size } = datasetSizeFromArgs(process.argv[3], "full");
  const keep = process.env.BENCH_KEEP_DB === "1";
  const db = await createBenchDatabase("generate");
  try {
    console.log(`generate (${label}): ${formatCount(size.topics)} topics × ${formatCount(size.epochs)} epochs into ${db.name}`);
    const data = await generateData(db.url, size);
    const rows = size.topics + size.epochs + data.transitions;
    const states = Object.entries(data.byState).map(([s, n]) => `${s} ${formatCount(n)}`).join(", ");
    const summary = [
      `${formatCount(size.topics)} topics, ${formatCount(size.epochs)} epochs, ${formatCount(data.transitions)} transition records: COPY ${data.loadSeconds.toFixed(1)} s (${formatCount(Math.round(rows / data.loadSeconds))} rows/s), VACUUM ANALYZE ${data.vacuumSeconds.toFixed(1)} s.`,
      `Epochs by state: ${states}.`,
    ];
    for (const line of summary) console.log(line);
    if (keep) console.log(`kept: DATABASE_URL=${db.url}`);
    await recordResult(`generate (${label})`, summary);
  } finally {
    if (!keep) await db.drop();
  }
}
