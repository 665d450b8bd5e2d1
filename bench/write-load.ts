/**
 * The write side of the read-under-writes bench, run as its own process: epochs started, stepped
 * and cancelled through the service's GraphQL mutations (startEpoch, applyEpochTransition,
 * cancelEpoch) on the generated topics, at a rate steered so the whole database commits about
 * TARGET_COMMITS_PER_S transitions per second — the scheduler worker's own steps included, since
 * the rate is read back from transition_record.
 *
 * Environment: API_ORIGIN (the API taking the mutations), DATABASE_URL (for the topics and the
 * commit count), TARGET_COMMITS_PER_S. Prints one JSON line per second
 * (`{ commitsPerS, mutationsPerS, refused, failed }`) and runs until SIGTERM.
 */
import pg from "pg";
import { fromStored } from "../src/db/uint64-column.js";

const origin = process.env.API_ORIGIN!;
const target = Number(process.env.TARGET_COMMITS_PER_S);
/** Epochs this process keeps open before it finishes the oldest one (so open windows stay level). */
const KEEP_OPEN = 40;
const MAX_IN_FLIGHT = 128;
const TICK_MS = 50;
/** Refusals a racing worker legitimately causes: the step was already taken, or the version moved. */
const EXPECTED_REFUSALS = new Set(["ILLEGAL_TRANSITION", "CONFLICT"]);

const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
await db.connect();
const topics = (await db.query<{ id: string }>(`SELECT id::text FROM topic`)).rows.map((r) => String(fromStored(BigInt(r.id))));
if (topics.length === 0) throw new Error("no topics: generate data first");
const countSince = async (id: string) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM transition_record WHERE id > $1`, [id])).rows[0]!.n);
const baseId = (await db.query<{ id: string | null }>(`SELECT max(id)::text AS id FROM transition_record`)).rows[0]!.id ?? "0";

type Open = { topicId: string; nonce: string };
const open: Open[] = [];
let inFlight = 0;
let mutations = 0;
let refused = 0;
let failed = 0;
let lastError = "";

async function mutate(query: string, variables: Record<string, string>): Promise<Record<string, { nonce?: string; topicId?: string }> | null> {
  inFlight++;
  try {
    const res = await fetch(`${origin}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: Record<string, { nonce?: string; topicId?: string }> | null; errors?: { message: string; extensions?: { code?: string } }[] };
    mutations++;
    if (body.errors?.length) {
      const code = body.errors[0]!.extensions?.code ?? "";
      if (EXPECTED_REFUSALS.has(code)) refused++;
      else {
        failed++;
        lastError = `${code}: ${body.errors[0]!.message}`;
      }
      return null;
    }
    return body.data ?? null;
  } catch (err) {
    failed++;
    lastError = String(err);
    return null;
  } finally {
    inFlight--;
  }
}

/** One mutation: start an epoch on a random topic, or finish the oldest one this process started. */
function step(): void {
  if (open.length >= KEEP_OPEN) {
    const e = open.shift()!;
    if (Math.random() < 0.7) {
      void mutate(`mutation Cancel($t: Uint64!, $n: NonceV2!) { cancelEpoch(topicId: $t, nonce: $n, reason: "bench") { state } }`, { t: e.topicId, n: e.nonce });
    } else {
      void mutate(`mutation Close($t: Uint64!, $n: NonceV2!) { applyEpochTransition(topicId: $t, nonce: $n, transition: CLOSE_WORKER_WINDOW) { state } }`, { t: e.topicId, n: e.nonce });
    }
    return;
  }
  const topicId = topics[Math.floor(Math.random() * topics.length)]!;
  void mutate(`mutation Start($t: Uint64!) { startEpoch(topicId: $t) { topicId nonce } }`, { t: topicId }).then((data) => {
    const e = data?.startEpoch;
    if (e?.nonce && e.topicId) open.push({ topicId: e.topicId, nonce: e.nonce });
  });
}

// Steering: mutations per second follow the shortfall of commits per second (the worker's steps
// of earlier epochs add commits the mutations did not make).
let rate = target;
let credit = 0;
const ticker = setInterval(() => {
  credit += (rate * TICK_MS) / 1000;
  while (credit >= 1 && inFlight < MAX_IN_FLIGHT) {
    credit--;
    step();
  }
  credit = Math.min(credit, MAX_IN_FLIGHT);
}, TICK_MS);

let lastCommits = 0;
let lastMutations = 0;
let lastAt = performance.now();
const steer = setInterval(() => {
  void countSince(baseId).then((commits) => {
    const now = performance.now();
    const s = (now - lastAt) / 1000;
    const commitsPerS = (commits - lastCommits) / s;
    const mutationsPerS = (mutations - lastMutations) / s;
    rate = Math.max(1, Math.min(2000, rate + 0.5 * (target - commitsPerS)));
    lastCommits = commits;
    lastMutations = mutations;
    lastAt = now;
    console.log(JSON.stringify({ commitsPerS: Math.round(commitsPerS), mutationsPerS: Math.round(mutationsPerS), rate: Math.round(rate), refused, failed, lastError }));
  });
}, 1000);

process.once("SIGTERM", () => {
  clearInterval(ticker);
  clearInterval(steer);
  void db.end().finally(() => process.exit(0));
});
