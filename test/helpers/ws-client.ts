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

export function wsClient(httpUrl: string, opts: { retryAttempts?: number; connectionParams?: Record<string, unknown> } = {}): Client {
  return createClient({
    url: httpUrl.replace(/^http/, "ws") + "/graphql",
    webSocketImpl: WebSocket,
    retryAttempts: opts.retryAttempts ?? 0,
    lazy: true,
    connectionParams: opts.connectionParams,
  });
}

export interface RawSocket {
  readonly socket: WebSocket;
  /** Resolves with the server's answer to connection_init (true: acknowledged). */
  readonly acked: Promise<boolean>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Every message received, parsed. */
  readonly messages: any[];
  send(message: unknown): void;
}

/** A bare graphql-transport-ws socket that sends connection_init with `payload`, to observe close codes. */
export function rawSocket(httpUrl: string, payload?: unknown): RawSocket {
  const socket = new WebSocket(httpUrl.replace(/^http/, "ws") + "/graphql", "graphql-transport-ws");
  const messages: any[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  const acked = new Promise<boolean>((resolve) => {
    socket.on("message", (data) => {
      const msg = JSON.parse(data.toString());
      messages.push(msg);
      if (msg.type === "connection_ack") resolve(true);
    });
    void closed.then(() => resolve(false));
  });
  socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init", ...(payload === undefined ? {} : { payload }) })));
  return { socket, acked, closed, messages, send: (m) => socket.send(JSON.stringify(m)) };
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
