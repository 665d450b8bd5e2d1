/** One instance's live stream: the feed, woken by LISTEN and re-synced after every reconnection. */
import { PgListener } from "./pg-listener.js";
import { TransitionFeed, type FeedOptions, type SettledLogReader } from "./transition-feed.js";

export const TRANSITIONS_CHANNEL = "epoch_windows_transitions";

export interface LiveTransitions {
  readonly feed: TransitionFeed;
  readonly listener: PgListener;
  stop(): Promise<void>;
}

export async function startLiveTransitions(
  url: string,
  reader: SettledLogReader,
  options: FeedOptions & { log?: (msg: string) => void },
): Promise<LiveTransitions> {
  const feed = new TransitionFeed(reader, options);
  await feed.start();
  const listener = new PgListener(url, TRANSITIONS_CHANNEL, {
    onNotify: () => feed.wake(),
    // Whatever committed while the connection was down is read now, from the head.
    onConnected: () => feed.wake(),
    onDisconnected: (err) => options.log?.(`LISTEN connection lost (${err instanceof Error ? err.message : String(err)}); reconnecting`),
  });
  await listener.start();
  return {
    feed,
    listener,
    async stop() {
      await listener.stop();
      feed.stop();
    },
  };
}
