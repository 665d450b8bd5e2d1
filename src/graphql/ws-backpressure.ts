/**
 * What a WebSocket client has not taken yet is held by this process: its socket's unsent bytes
 * (`bufferedAmount`) and the results buffered for its subscribers. Both are budgeted per
 * connection, and a socket whose unsent bytes stay above a threshold for a while is a client that
 * stopped reading (pongs prove only that it writes): either way it is closed with 4413.
 */
import type { WebSocket, WebSocketServer } from "ws";

/** graphql-ws has no close code for this; 4413 mirrors HTTP 413: the client's backlog outgrew its budget. */
export const SLOW_CONSUMER_CLOSE = 4413;

export interface BackpressureLimits {
  /** Bytes waiting on one connection: its socket's unsent bytes plus its subscribers' buffers. */
  readonly connectionBytes: number;
  /** Unsent bytes above this for `stallMs` mean the client stopped reading. */
  readonly stallBytes: number;
  readonly stallMs: number;
}

/** Bytes held for one connection's subscribers; going over the budget closes the connection. */
export class ConnectionBudget {
  private held = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly limit: number,
    private readonly onExceeded: (used: number) => void,
  ) {}

  get used(): number {
    return this.held + this.socket.bufferedAmount;
  }

  take(bytes: number): void {
    this.held += bytes;
    this.check();
  }

  give(bytes: number): void {
    this.held -= bytes;
  }

  check(): void {
    const used = this.used;
    if (used > this.limit) this.onExceeded(used);
  }
}

/**
 * One timer for every socket of `wss`: a socket whose `bufferedAmount` stays above `stallBytes`
 * for `stallMs`, or whose connection is over its budget, is handed to `close`.
 */
export function watchStalls(
  wss: WebSocketServer,
  limits: BackpressureLimits,
  budgetOf: (socket: WebSocket) => ConnectionBudget | undefined,
  close: (socket: WebSocket, why: "stalled" | "over budget") => void,
): () => void {
  const overSince = new WeakMap<WebSocket, number>();
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const socket of wss.clients) {
        if (socket.readyState !== socket.OPEN) continue;
        budgetOf(socket)?.check();
        if (socket.bufferedAmount <= limits.stallBytes) {
          overSince.delete(socket);
          continue;
        }
        const since = overSince.get(socket);
        if (since === undefined) overSince.set(socket, now);
        else if (now - since >= limits.stallMs) close(socket, "stalled");
      }
    },
    Math.max(50, Math.min(1000, limits.stallMs / 4)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
