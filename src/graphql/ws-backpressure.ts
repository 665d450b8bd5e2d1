/**
 * What a WebSocket client has not taken yet is held by this process: its socket's unsent bytes
 * (`bufferedAmount`) and the results buffered for its subscribers. Both are budgeted per
 * connection, and a socket whose unsent bytes stay above a threshold for a while is a client that
 * stopped reading (pongs prove only that it writes): either way it is closed with 4413.
 */
import type { WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../observability/logger.js";

/** graphql-ws has no close code for this; 4413 mirrors HTTP 413: the client's backlog outgrew its budget. */
const SLOW_CONSUMER_CLOSE = 4413;

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

export interface Backpressure {
  /** The budget of an open socket's connection. */
  budgetOf(socket: WebSocket): ConnectionBudget | undefined;
  /** Stops the watcher (the server is shutting down). */
  dispose(): void;
}

/**
 * Budgets every socket of `wss` and watches them all with one timer. A socket whose
 * `bufferedAmount` stays above `stallBytes` for `stallMs`, or whose connection goes over its budget,
 * is closed with 4413; `stopSubscriptions` ends its subscriptions at once (dropping their buffers),
 * and the socket is terminated if the close frame, queued behind everything unsent, has not got
 * through within another `stallMs`.
 */
export function applyBackpressure(
  wss: WebSocketServer,
  limits: BackpressureLimits,
  opts: { stopSubscriptions: (socket: WebSocket) => void; logger?: Logger },
): Backpressure {
  const budgets = new WeakMap<WebSocket, ConnectionBudget>();
  const overSince = new WeakMap<WebSocket, number>();
  const closing = new WeakSet<WebSocket>();
  const close = (socket: WebSocket, why: "stalled" | "over budget") => {
    if (closing.has(socket) || socket.readyState !== socket.OPEN) return;
    closing.add(socket);
    opts.logger?.info({ why, bufferedAmount: socket.bufferedAmount, code: SLOW_CONSUMER_CLOSE }, "closing a WebSocket whose client is not reading");
    socket.close(SLOW_CONSUMER_CLOSE, why === "stalled" ? "client stopped reading" : "client backlog over budget");
    opts.stopSubscriptions(socket);
    setTimeout(() => socket.terminate(), limits.stallMs).unref();
  };
  wss.on("connection", (socket) => {
    const budget = new ConnectionBudget(socket, limits.connectionBytes, () => close(socket, "over budget"));
    budgets.set(socket, budget);
    // Checked at every send, not only by the timer: a fast event stream to a client that stopped
    // reading fills the socket buffer far faster than any interval. Once closing, sends are dropped
    // (the client resumes from its last cursor), so nothing more piles up behind the close frame.
    type Callback = (err?: Error) => void;
    const send = socket.send.bind(socket) as (data: unknown, options: object, cb?: Callback) => void;
    const budgeted = (data: unknown, options?: object | Callback, cb?: Callback) => {
      const done = typeof options === "function" ? (options as Callback) : cb;
      if (closing.has(socket)) return done?.();
      send(data, typeof options === "object" ? options : {}, done);
      budget.check();
    };
    Object.assign(socket, { send: budgeted });
  });
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const socket of wss.clients) {
        if (socket.readyState !== socket.OPEN) continue;
        budgets.get(socket)?.check();
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
  return { budgetOf: (socket) => budgets.get(socket), dispose: () => clearInterval(timer) };
}
