/**
 * A graphql-ws subscriber that behaves as the README tells clients to: it keeps the cursor of the
 * last event it processed and, whenever its stream fails (an error result, a socket error or
 * close, a completion), subscribes again with `after` = that cursor on a fresh connection.
 */
import type { Client } from "graphql-ws";
import { wsClient } from "./ws-client.js";

export interface ResumingSubscription<T> {
  /** Every event received, in arrival order, across all (re)subscriptions. */
  readonly items: T[];
  /** Why each stream ended before being resumed. */
  readonly failures: unknown[];
  /** Streams opened so far (1 + resumptions). */
  readonly attempts: number;
  /** Drop the connection, as a client going away does; the cursor is kept. */
  pause(): void;
  /** Subscribe again from the last cursor. */
  resume(): void;
  /** Resolves once `n` events arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<T[]>;
  stop(): void;
}

export function resumingSubscription<T extends { cursor: string }>(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown>,
  pick: (data: any) => T,
  opts: { after: string | null; retryMs?: number },
): ResumingSubscription<T> {
  const items: T[] = [];
  const failures: unknown[] = [];
  let last = opts.after;
  let attempts = 0;
  let running = false;
  let generation = 0;
  let client: Client | null = null;
  let unsubscribe: (() => void) | null = null;
  let retry: NodeJS.Timeout | null = null;

  const teardown = () => {
    generation++;
    if (retry) clearTimeout(retry);
    retry = null;
    unsubscribe?.();
    void client?.dispose();
    unsubscribe = null;
    client = null;
  };

  const subscribe = () => {
    teardown();
    const gen = generation;
    attempts++;
    client = wsClient(httpUrl);
    const failed = (why: unknown) => {
      if (gen !== generation) return; // a stream already replaced
      failures.push(why);
      teardown();
      if (running) retry = setTimeout(subscribe, opts.retryMs ?? 300).unref();
    };
    unsubscribe = client.subscribe<any>(
      { query, variables: { ...variables, after: last } },
      {
        next: (r) => {
          if (gen !== generation) return;
          if (r.errors) return failed(r.errors);
          const item = pick(r.data);
          items.push(item);
          last = item.cursor;
        },
        error: failed,
        complete: () => failed(new Error("stream completed")),
      },
    );
  };

  const api: ResumingSubscription<T> = {
    items,
    failures,
    get attempts() {
      return attempts;
    },
    pause() {
      running = false;
      teardown();
    },
    resume() {
      running = true;
      subscribe();
    },
    async waitFor(n, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (items.length < n) {
        if (Date.now() > deadline) throw new Error(`timed out with ${items.length} of ${n} events (${failures.length} resumptions)`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return items.slice(0, n);
    },
    stop() {
      running = false;
      teardown();
    },
  };
  api.resume();
  return api;
}
