/** A graphql-ws client for tests, collecting each subscription's results into an inspectable list. */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface Collected<T> {
  readonly items: T[];
  readonly errors: unknown[];
  completed: boolean;
  /** Resolves once `n` items arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<T[]>;
  dispose(): void;
}

export function wsClient(httpUrl: string, opts: { retryAttempts?: number } = {}): Client {
  return createClient({
    url: httpUrl.replace(/^http/, "ws") + "/graphql",
    webSocketImpl: WebSocket,
    retryAttempts: opts.retryAttempts ?? 0,
    lazy: true,
  });
}

export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}, pick: (data: any) => T): Collected<T> {
  const items: T[] = [];
  const errors: unknown[] = [];
  const state = { completed: false };
  const dispose = client.subscribe<any>(
    { query, variables },
    {
      next: (r) => {
        if (r.errors) errors.push(...r.errors);
        else items.push(pick(r.data));
      },
      error: (e) => errors.push(e),
      complete: () => {
        state.completed = true;
      },
    },
  );
  return {
    items,
    errors,
    get completed() {
      return state.completed;
    },
    set completed(v: boolean) {
      state.completed = v;
    },
    async waitFor(n, ms = 8000) {
      const deadline = Date.now() + ms;
      while (items.length < n) {
        if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
        if (Date.now() > deadline) throw new Error(`timed out with ${items.length} of ${n} events`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return items.slice(0, n);
    },
    dispose,
  };
}
