/**
 * One subscription on its own WebSocket, for the fan-out bench. "raw" speaks graphql-transport-ws
 * directly (init, ack, subscribe, then one JSON.parse per message): the bench's thousand clients
 * share the API's two cores, so the less each receipt costs them, the less the measure is of the
 * clients. "graphql-ws" uses the library's client (what the bench used before; ~1.5× the CPU per
 * message).
 */
import { createClient } from "graphql-ws";
import WebSocket from "ws";

export type SubscriberKind = "raw" | "graphql-ws";

export interface Subscriber {
  close(): Promise<void>;
}

export interface SubscriberSink {
  /** The `data` of each result. */
  next(data: unknown): void;
  error(error: unknown): void;
}

/** Resolves once the server has acknowledged the connection and the subscribe message is sent. */
export function openSubscriber(kind: SubscriberKind, url: string, query: string, variables: Record<string, unknown>, sink: SubscriberSink): Promise<Subscriber> {
  return kind === "raw" ? openRaw(url, query, variables, sink) : openLibrary(url, query, variables, sink);
}

async function openRaw(url: string, query: string, variables: Record<string, unknown>, sink: SubscriberSink): Promise<Subscriber> {
  const ws = new WebSocket(url, "graphql-transport-ws");
  await new Promise<void>((resolve, reject) => {
    ws.once("error", reject);
    ws.once("close", (code) => reject(new Error(`subscriber connection closed (${code}) before it was acknowledged`)));
    ws.once("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: {} })));
    ws.on("message", (raw) => {
      const m = JSON.parse(String(raw)) as { type: string; payload?: { data?: unknown; errors?: unknown } };
      switch (m.type) {
        case "next":
          if (m.payload?.errors) sink.error(m.payload.errors);
          else sink.next(m.payload?.data);
          return;
        case "connection_ack":
          ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
          ws.removeAllListeners("close");
          ws.removeAllListeners("error");
          ws.on("error", (e) => sink.error(e));
          return resolve();
        case "ping":
          return ws.send(JSON.stringify({ type: "pong" }));
        case "error":
          return sink.error(m.payload);
      }
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once("close", () => resolve());
        ws.close(1000);
      }),
  };
}

async function openLibrary(url: string, query: string, variables: Record<string, unknown>, sink: SubscriberSink): Promise<Subscriber> {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  await new Promise<void>((resolve, reject) => {
    client.on("connected", () => resolve());
    client.on("closed", () => reject(new Error("subscriber connection closed before it was acknowledged")));
  });
  client.subscribe({ query, variables }, { next: (r) => (r.errors ? sink.error(r.errors) : sink.next(r.data)), error: (e) => sink.error(e), complete: () => {} });
  return { close: () => client.dispose() as Promise<void> };
}
