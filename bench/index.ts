/** `npm run bench -- <name>`: runs one benchmark. */
const benches: Record<string, () => Promise<unknown>> = {
  lateness: () => import("./lateness.js").then((m) => m.main()),
  fanout: () => import("./fanout.js").then((m) => m.main()),
};

const name = process.argv[2];
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join("|")}>`);
  process.exit(2);
}
await bench();
