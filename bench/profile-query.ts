/**
 * `npm run bench -- profile [preset]`: one hot query end to end under load, profiled. Starts our
 * API with `node --cpu-prof`, drives `openWorkerWindows(first: 50)` (BENCH_PROFILE_QUERY=topic for
 * the one-topic query) at BENCH_CONNECTIONS (50) for BENCH_DURATION_S (10) after a 2 s warm-up,
 * stops it and prints where the CPU went per request (bench/cpu-profile-summary.ts). The profile
 * is kept in BENCH_PROFILE_DIR (default a temp directory). Records nothing in RESULTS.md.
 * BENCH_DATABASE_URL measures an already generated database; else the preset (default medium).
 */
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createBenchDatabase } from "./bench-database.js";
import { startOurApi } from "./bench-servers.js";
import { summarise } from "./cpu-profile-summary.js";
import { generateData } from "./data-generator.js";
import { datasetSizeFromArgs } from "./dataset-size.js";
import { runLoad } from "./http-load.js";
import { oursDialect, queryLabel, type OpenWindowQuery } from "./open-window-queries.js";
import { ask, busiestTopic } from "./queries.js";

export async function main(): Promise<void> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
  const durationS = Number(process.env.BENCH_DURATION_S ?? 10);
  const dir = process.env.BENCH_PROFILE_DIR ?? (await mkdtemp(path.join(os.tmpdir(), "ew-profile-")));
  const given = process.env.BENCH_DATABASE_URL;
  const db = given ? null : await createBenchDatabase("profile");
  try {
    if (db) await generateData(db.url, datasetSizeFromArgs(process.argv[3], "medium").size, { progress: false });
    const url = given ?? db!.url;
    const q: OpenWindowQuery = process.env.BENCH_PROFILE_QUERY === "topic" ? { kind: "topic", topicId: await busiestTopic(url) } : { kind: "global" };
    const before = new Set(await readdir(dir));
    process.env.BENCH_API_NODE_FLAGS = `--cpu-prof --cpu-prof-dir=${dir}`;
    const spawnedAt = performance.now();
    const server = await startOurApi(url);
    let requests = 0;
    let measuredFromMs = 0;
    try {
      const c = { server, dialect: oursDialect };
      const { text } = await ask(c, q);
      const spec = { url: server.origin + oursDialect.path, body: oursDialect.body(q), expectBody: text, connections };
      await runLoad({ ...spec, durationS: 2 });
      // Only the measured run counts: start-up (module loading) and warm-up are left out of the profile.
      measuredFromMs = performance.now() - spawnedAt;
      const r = await runLoad({ ...spec, durationS });
      if (r.failures) throw new Error(`${r.failures} responses failed`);
      requests = r.requests;
      console.log(`${queryLabel(q)}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms over ${durationS} s (load ${os.loadavg()[0]!.toFixed(2)}); ${requests} requests measured`);
    } finally {
      await server.stop();
    }
    const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile") && !before.has(f));
    if (!file) throw new Error(`no profile written to ${dir}`);
    const { total, groups, frames } = summarise(JSON.parse(await readFile(path.join(dir, file), "utf8")), measuredFromMs);
    console.log(`profile: ${path.join(dir, file)}\n\n| group (self time) | share of busy | µs per request |\n|---|---|---|`);
    for (const [g, us] of [...groups].filter(([g]) => g !== "idle").sort((a, b) => b[1] - a[1])) console.log(`| ${g} | ${((100 * us) / total).toFixed(1)} % | ${(us / requests).toFixed(0)} |`);
    console.log(`| **busy total** | 100 % | ${(total / requests).toFixed(0)} |\n\ntop frames (self time):`);
    for (const [f, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(us / requests).toFixed(1).padStart(7)} µs/req  ${f}`);
  } finally {
    await db?.drop();
  }
}
