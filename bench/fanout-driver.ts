/**
 * The fan-out bench's write load, in a process of its own (forked by bench/fanout.ts): it commits
 * transitions through the service's commands (createLifecycle: what the mutations run) and reports
 * when each committing call returned. Apart from the thousand subscriber sockets, because a busy
 * event loop keeps its interactive transactions open longer, and the live feed only reads rows
 * older than every running transaction: a driver sharing the receivers' loop delayed every event
 * it was meant to time.
 *
 * Messages in: { type: "topics", count } → { type: "topics", ids }; { type: "drive", count, rate }
 * → { type: "committed", key, at } per transition, then { type: "driven" }. `at` is wall-clock ms
 * (performance.timeOrigin + performance.now()), comparable across processes.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createLifecycle } from "../src/bin/lifecycle-wiring.js";
import { createDatabaseClient } from "../src/db/prisma-client.js";
import { EpochTransition } from "../src/domain/index.js";

type Commands = ReturnType<typeof createLifecycle>["commands"];

export type DriverRequest = { type: "topics"; count: number } | { type: "drive"; count: number; rate: number } | { type: "stop" };
export type DriverReply =
  | { type: "topics"; ids: string[] }
  | { type: "committed"; key: string; at: number }
  /** A transition that did not commit (e.g. its transaction timed out on a starved host): not expected by anyone. */
  | { type: "not-committed"; message: string }
  | { type: "driven" }
  | { type: "failed"; message: string };

export const wallNow = () => performance.timeOrigin + performance.now();

/**
 * Commits `count` transitions at `rate`/s: pairs of worker-window open (startEpoch) and close on
 * the topics in turn, each pair's close after its open; pairs overlap, so a slow commit does not
 * hold back the schedule.
 */
async function drive(commands: Commands, topics: readonly bigint[], count: number, rate: number, onCommitted: (key: string) => void, onFailed: (err: unknown) => void): Promise<void> {
  const interval = 1000 / rate;
  const start = performance.now();
  const at = (i: number) => sleep(Math.max(0, start + i * interval - performance.now()));
  const pairs: Promise<void>[] = [];
  for (let i = 0; i < count; i += 2) {
    const topicId = topics[(i / 2) % topics.length]!;
    await at(i);
    pairs.push(
      (async () => {
        const epoch = await commands.startEpoch(topicId);
        onCommitted(`${topicId}/${epoch.nonce}/OPEN_WORKER_WINDOW`);
        if (i + 1 >= count) return;
        await at(i + 1);
        await commands.applyEpochTransition({ topicId, nonce: epoch.nonce }, EpochTransition.CLOSE_WORKER_WINDOW);
        onCommitted(`${topicId}/${epoch.nonce}/CLOSE_WORKER_WINDOW`);
      })().catch(onFailed),
    );
  }
  await Promise.all(pairs);
}

async function serve(url: string): Promise<void> {
  const { prisma, pool } = createDatabaseClient(url, { max: 8 });
  const { commands } = createLifecycle({ prisma, pool });
  const send = (m: DriverReply) => process.send!(m);
  let topics: bigint[] = [];
  process.on("message", (m: DriverRequest) => {
    void (async () => {
      if (m.type === "topics") {
        // Long epochs: nothing is scheduled to happen on its own during the run (no worker runs).
        topics = [];
        for (let i = 0; i < m.count; i++) topics.push((await commands.createTopic({ epochLength: 3600, groundTruthLag: 3600, workerSubmissionWindow: 600 })).id);
        send({ type: "topics", ids: topics.map(String) });
      } else if (m.type === "drive") {
        await drive(
          commands, topics, m.count, m.rate,
          (key) => send({ type: "committed", key, at: wallNow() }),
          (err) => send({ type: "not-committed", message: err instanceof Error ? err.message : String(err) }),
        );
        send({ type: "driven" });
      } else {
        await prisma.$disconnect();
        process.disconnect();
      }
    })().catch((err: unknown) => send({ type: "failed", message: err instanceof Error ? err.stack ?? err.message : String(err) }));
  });
}

if (process.send && process.env.FANOUT_DRIVER_DATABASE_URL) void serve(process.env.FANOUT_DRIVER_DATABASE_URL);
