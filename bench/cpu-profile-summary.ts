/**
 * `npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [requests] [frame regexp]`: where a process's CPU went,
 * from a `node --cpu-prof` profile — self time grouped by what the code is (GraphQL parse /
 * validate / execute, type-graphql, Apollo, express, logging, our plugins, our resolvers, pg…),
 * then the top frames (those matching the regexp, when given). With `requests`, also in µs per request.
 */
import { readFile } from "node:fs/promises";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** First match wins: [group, test on "url functionName"]. */
const GROUPS: ReadonlyArray<readonly [string, RegExp]> = [
  ["idle", /^ \((idle)\)$/],
  ["GC", /^ \((garbage collector)\)$/],
  ["graphql parse / AST visits", /node_modules\/graphql\/language\//],
  ["graphql validate", /node_modules\/graphql\/(validation|utilities\/TypeInfo)/],
  ["graphql execute", /node_modules\/graphql\/(execution|jsutils|type)\//],
  ["graphql other", /node_modules\/graphql\//],
  ["type-graphql", /node_modules\/type-graphql\//],
  ["graphql-armor (validation rules)", /node_modules\/@escape\.tech\//],
  ["apollo server", /node_modules\/@apollo\/|node_modules\/@as-integrations\//],
  ["express / body parsing", /node_modules\/(express|router|body-parser|raw-body|iconv-lite|type-is|content-type|finalhandler|send|on-finished|qs|depd|mime|accepts|negotiator|parseurl|encodeurl|etag|fresh|statuses|http-errors|media-typer|vary|cookie|proxy-addr|forwarded)\//],
  ["logging (pino)", /node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|atomic-sleep|on-exit-leak-free)\//],
  ["metrics (prom-client)", /node_modules\/(prom-client|tdigest|bintrees)\//],
  ["pg / prisma", /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-\w+|@prisma)\//],
  ["dataloader", /node_modules\/dataloader\//],
  ["request plumbing (our plugins, log, guard)", /src\/(graphql\/(\w+-plugin|request-log|request-guard|rate-limiter|query-cost|query-limits|string-inputs|errors)|observability\/)/],
  ["our resolvers & types", /src\/graphql\//],
  ["our read path (app, db, domain)", /src\/(app|db|domain|pubsub)\//],
  ["other node_modules", /node_modules\//],
  ["node runtime (http, streams, timers…)", /^node:|^ \(program\)$/],
  ["builtins (JSON, regexp, GC-free natives)", /^ /],
];

/** `fromMs`: leave out samples taken before this long after the profile started (start-up, warm-up). */
export function summarise(profile: Profile, fromMs = 0): { total: number; groups: Map<string, number>; frames: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromMs * 1000) continue;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const groups = new Map<string, number>();
  const frames = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const key = `${f.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, "$1/")} ${f.functionName || "(anonymous)"}`;
    const group = GROUPS.find(([, re]) => re.test(`${f.url} ${f.functionName}`))?.[0] ?? "other";
    if (group !== "idle") total += us;
    groups.set(group, (groups.get(group) ?? 0) + us);
    const frame = `${key}:${f.lineNumber + 1}`;
    frames.set(frame, (frames.get(frame) ?? 0) + us);
  }
  return { total, groups, frames };
}

async function main(): Promise<void> {
  const [file, requestsArg, frameFilter] = process.argv.slice(2);
  if (!file) throw new Error("usage: tsx bench/cpu-profile-summary.ts <file.cpuprofile> [requests]");
  const { total, groups, frames } = summarise(JSON.parse(await readFile(file, "utf8")) as Profile);
  const requests = Number(requestsArg ?? 0);
  const row = (name: string, us: number) =>
    `| ${name} | ${(us / 1000).toFixed(0)} ms | ${((100 * us) / total).toFixed(1)} % |${requests ? ` ${(us / requests).toFixed(1)} µs |` : ""}`;
  console.log(`| group (self time) | CPU | share of busy |${requests ? " per request |" : ""}\n|---|---|---|${requests ? "---|" : ""}`);
  for (const [g, us] of [...groups].filter(([g]) => g !== "idle").sort((a, b) => b[1] - a[1])) console.log(row(g, us));
  console.log(row("**busy total**", total));
  console.log(`\ntop frames:`);
  const shown = new RegExp(frameFilter ?? "");
  for (const [f, us] of [...frames].filter(([f]) => shown.test(f)).sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${f}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
