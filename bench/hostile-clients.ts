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

/** Page sizes of a heavy selection: epochs per event, transitions per epoch (0: no nested connection). */
export interface HeavyShape {
  readonly epochs: number;
  readonly transitions: number;
}

/** From the issue's shape (500 epochs with their transitions under every event) down to none. */
export const HEAVY_SHAPES: readonly HeavyShape[] = [
  { epochs: 500, transitions: 10 },
  { epochs: 200, transitions: 10 },
  { epochs: 100, transitions: 10 },
  { epochs: 50, transitions: 5 },
  { epochs: 20, transitions: 5 },
  { epochs: 10, transitions: 5 },
  { epochs: 5, transitions: 2 },
  { epochs: 2, transitions: 1 },
  { epochs: 1, transitions: 1 },
  { epochs: 1, transitions: 0 },
  { epochs: 0, transitions: 0 },
];

export const describeShape = (s: HeavyShape) =>
  s.epochs === 0 ? "epoch { topic { … } } (no connection)" : `epochs(first: ${s.epochs})${s.transitions ? ` × transitions(first: ${s.transitions})` : ""}`;

/** A heavy nested selection under every event; `variant` makes documents distinct (no sharing). */
export function heavySubscription(variant: number, shape: HeavyShape = HEAVY_SHAPES[0]!): string {
  const transitions = shape.transitions ? `transitions(first: ${shape.transitions}) { edges { node { transition from to at dueAt source reason } } }` : "";
  const epochs = shape.epochs
    ? `epochs(first: ${shape.epochs}) { totalCount edges { cursor node { nonce state version createdAt updatedAt
          workerWindow { openAt closeAt } reputerWindow { openAt closeAt } ${transitions} } } }`
    : "";
  return `subscription Heavy${variant} { epochTransitioned { cursor topicId nonce transition at
    e${variant}: epoch { nonce state workerWindow { openAt closeAt } reputerWindow { openAt closeAt }
      topic { id epochLength groundTruthLag workerSubmissionWindow active activatedAt lastNonce createdAt updatedAt ${epochs} } } } }`;
}

/**
 * The heaviest shape the server admits for a subscription (a server with subscription budgets
 * refuses the issue's shape at subscribe): tried in order on one socket, each refusal being an
 * `error` message for its id; one still running after `waitMs` counts as admitted. Null when even
 * the lightest is refused or the socket is closed.
 */
export async function heaviestAdmitted(wsUrl: string, credential: string, waitMs = 3000): Promise<HeavyShape | null> {
  const report: ClientReport = { acked: false, refused: 0, events: 0, closeCode: null };
  const answered = new Map<string, () => void>();
  const { socket, acked, closed } = open(wsUrl, credential, report, (msg) => msg.id && answered.get(msg.id)?.());
  try {
    if (!(await acked)) return null;
    for (const [i, shape] of HEAVY_SHAPES.entries()) {
      const id = `p${i}`;
      const refusedBefore = report.refused;
      // Its first event or its refusal, whichever comes; silence for waitMs counts as admitted.
      const answer = new Promise<void>((resolve) => answered.set(id, resolve));
      socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: heavySubscription(0, shape) } }));
      await Promise.race([answer, delay(waitMs), closed]);
      if (report.closeCode !== null) return null;
      if (report.refused === refusedBefore) return shape;
    }
    return null;
  } finally {
    socket.terminate();
    await closed;
  }
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

function open(wsUrl: string, credential: string, report: ClientReport, listener?: (msg: { type: string; id?: string }) => void): { socket: WebSocket; acked: Promise<boolean>; closed: Promise<void> } {
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
      listener?.(msg);
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
export function heavyReader(wsUrl: string, credential: string, variant: number, shape: HeavyShape): HostileClient {
  const report: ClientReport = { acked: false, refused: 0, events: 0, closeCode: null };
  const { socket, acked, closed } = open(wsUrl, credential, report);
  const ready = (async () => {
    if (!(await acked)) return;
    socket.send(JSON.stringify({ id: "h", type: "subscribe", payload: { query: heavySubscription(variant, shape) } }));
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
