/**
 * The hostile subscribers of bench/hostile.ts (issue 13), over real graphql-ws sockets:
 *
 * - a never-reader: one raw socket holding many subscriptions, which stops reading (the socket is
 *   paused, so the server's sends pile up) and keeps the connection alive with unsolicited pongs;
 * - a heavy reader: one socket with one subscription whose selection nests a large connection
 *   under every event, read as fast as it comes.
 *
 * Both record what the server did to them (acknowledged, subscriptions refused, close code), so a
 * server that defends itself by refusing or closing shows as such rather than as a bench error.
 */
import WebSocket from "ws";

/** One event carries up to 500 of the topic's epochs with their transitions (the shape). */
export function heavySubscription(variant: number): string {
  return `subscription Heavy${variant} { epochTransitioned { cursor topicId nonce transition at
    e${variant}: epoch { nonce state
      topic { id epochLength
        epochs(first: 500) { totalCount edges { cursor node { nonce state version createdAt updatedAt
          workerWindow { openAt closeAt } reputerWindow { openAt closeAt }
          transitions(first: 10) { edges { node { transition from to at dueAt source reason } } } } } } } } } }`;
}

export interface ClientReport {
  acked: boolean;
  /** Subscriptions the server answered with an error message. */
  refused: number;
  /** Events received (a never-reader receives none once paused). */
  events: number;
  /** Close code, once the server (or the network) closed the socket. */
  closeCode: number | null;
}

export interface HostileClient {
  readonly report: ClientReport;
  /** Resolves once the client is set up (subscribed, or refused / closed). */
  readonly ready: Promise<void>;
  /** After the measured window: learns whether the server closed it meanwhile (and with which code). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

function open(wsUrl: string, credential: string, report: ClientReport): { socket: WebSocket; acked: Promise<boolean>; closed: Promise<void> } {
  const socket = new WebSocket(wsUrl, "graphql-transport-ws");
  const closed = new Promise<void>((resolve) =>
    socket.once("close", (code) => {
      report.closeCode = code;
      resolve();
    }),
  );
  socket.on("error", () => {});
  const acked = new Promise<boolean>((resolve) => {
    socket.on("message", (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; id?: string };
      if (msg.type === "connection_ack") {
        report.acked = true;
        resolve(true);
      } else if (msg.type === "ping") socket.send(JSON.stringify({ type: "pong" }));
      else if (msg.type === "next") report.events++;
      else if (msg.type === "error") report.refused++;
    });
    void closed.then(() => resolve(false));
  });
  socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${credential}` } })));
  return { socket, acked, closed };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Subscribes `subscriptions` times with `query` (identical documents: the server may share their
 * execution, so what grows is what it queues for this socket), then stops reading for good.
 */
export function neverReader(wsUrl: string, credential: string, query: string, subscriptions: number, pongEveryMs = 5000): HostileClient {
  const report: ClientReport = { acked: false, refused: 0, events: 0, closeCode: null };
  const { socket, acked, closed } = open(wsUrl, credential, report);
  let pongs: NodeJS.Timeout | undefined;
  const ready = (async () => {
    if (!(await acked)) return;
    for (let i = 0; i < subscriptions; i++) socket.send(JSON.stringify({ id: `s${i}`, type: "subscribe", payload: { query } }));
    // Give the server a moment to answer refusals before reading stops (none are read after that).
    await Promise.race([delay(500), closed]);
    socket.pause();
    // Unsolicited pongs: a keep-alive that only checks for pongs sees this client as alive.
    pongs = setInterval(() => socket.readyState === WebSocket.OPEN && socket.pong(), pongEveryMs);
  })();
  return {
    report,
    ready,
    async settle() {
      // A paused socket reads no close frame: read again (and drop what was queued) for a moment.
      clearInterval(pongs);
      socket.removeAllListeners("message");
      socket.resume();
      await Promise.race([closed, delay(1000)]);
    },
    async close() {
      clearInterval(pongs);
      socket.terminate();
      await closed;
    },
  };
}

/** One socket, one heavy subscription (`variant` makes each document distinct), read eagerly. */
export function heavyReader(wsUrl: string, credential: string, variant: number): HostileClient {
  const report: ClientReport = { acked: false, refused: 0, events: 0, closeCode: null };
  const { socket, acked, closed } = open(wsUrl, credential, report);
  const ready = (async () => {
    if (!(await acked)) return;
    socket.send(JSON.stringify({ id: "h", type: "subscribe", payload: { query: heavySubscription(variant) } }));
    await Promise.race([delay(300), closed]);
  })();
  return {
    report,
    ready,
    settle: async () => {},
    async close() {
      socket.terminate();
      await closed;
    },
  };
}
