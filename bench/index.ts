/**
 * `npm run bench -- <name>` runs one benchmark; `npm run bench` runs every measure in turn (the
 * query and scaling ones generate their datasets, up to 1M epochs: allow about 20 minutes).
 */
const benches: Record<string, () => Promise<unknown>> = {
  generate: () => import("./generate.js").then((m) => m.main()),
  queries: () => import("./queries.js").then((m) => m.main()),
  scaling: () => import("./scaling.js").then((m) => m.main()),
  lateness: () => import("./lateness.js").then((m) => m.main()),
  throughput: () => import("./throughput.js").then((m) => m.main()),
  shutdown: () => import("./shutdown.js").then((m) => m.main()),
  fanout: () => import("./fanout.js").then((m) => m.main()),
  hostile: () => import("./hostile.js").then((m) => m.main()),
  profile: () => import("./profile-query.js").then((m) => m.main()),
  "reads-under-writes": () => import("./reads-under-writes.js").then((m) => m.main()),
  "response-cache": () => import("./response-cache.js").then((m) => m.main()),
};
/** What a bare `npm run bench` runs (generate is part of queries and scaling). */
const ALL = ["queries", "scaling", "lateness", "throughput", "shutdown", "fanout", "hostile", "reads-under-writes"];

const name = process.argv[2];
if (name === undefined || name === "all") {
  for (const each of ALL) {
    console.log(`\n=== ${each} ===`);
    await benches[each]!();
  }
} else {
  const bench = benches[name];
  if (!bench) {
    console.error(`usage: npm run bench [-- <${Object.keys(benches).join("|")}|all>]`);
    process.exit(2);
  }
  await bench();
}
