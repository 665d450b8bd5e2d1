/** One instance's live stream: the feed, woken by LISTEN and re-synced after every reconnection. */
import type { SettledLogReader } from "../app/settled-log-reader.js";
import { parseCommitNotice, type CommitNotice } from "../app/commit-notice.js";
import { PgListener } from "./pg-listener.js";
import { TransitionFeed, type FeedOptions } from "./transition-feed.js";

export const TRANSITIONS_CHANNEL = "epoch_windows_transitions";

export interface LiveTransitions {
  readonly feed: TransitionFeed;
  stop(): Promise<void>;
}

/** Told of every commit notice (what it says changed) and of the LISTEN connection's state (e.g. to drop cached reads). */
export interface CommitNoticeObserver {
  onNotice(notice: CommitNotice): void;
  onListening(up: boolean): void;
}

export async function startLiveTransitions(
  url: string,
  reader: SettledLogReader,
  options: FeedOptions & { log?: (msg: string) => void; observer?: CommitNoticeObserver },
): Promise<LiveTransitions> {
  const feed = new TransitionFeed(reader, options);
  await feed.start();
  const listener = new PgListener(url, TRANSITIONS_CHANNEL, {
    onNotify: (payload) => {
      options.observer?.onNotice(parseCommitNotice(payload));
      feed.wake();
    },
    // Whatever committed while the connection was down is read now, from the head.
    onConnected: () => {
      options.observer?.onListening(true);
      feed.wake();
    },
    onDisconnected: (err) => {
      options.observer?.onListening(false);
      options.log?.(`LISTEN connection lost (${err instanceof Error ? err.message : String(err)}); reconnecting`);
    },
  });
  await listener.start();
  return {
    feed,
    async stop() {
      await listener.stop();
      options.observer?.onListening(false);
      feed.stop();
    },
  };
}
