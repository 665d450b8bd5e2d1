/**
 * A LISTEN connection that stays up (a reconnecting session, src/platform/pg-session.ts, pinged so
 * a half-open connection is noticed), reporting every (re)connection so the owner can re-read
 * whatever it may have missed while deaf.
 */
import type pg from "pg";
import { PgSession } from "../platform/pg-session.js";

export interface ListenerEvents {
  /** A notification on the channel, with its payload ("" when it carries none). */
  onNotify(payload: string): void;
  /** Called after every successful (re)connection, before any further notification. */
  onConnected(): void;
  onDisconnected(error: unknown): void;
}

export interface ListenerOptions {
  readonly pingIntervalMs?: number;
  readonly maxBackoffMs?: number;
}

export class PgListener {
  private readonly session: PgSession;

  constructor(
    url: string,
    channel: string,
    private readonly events: ListenerEvents,
    options: ListenerOptions = {},
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    this.session = new PgSession({
      connectionString: url,
      applicationName: "epoch-windows listen",
      setup: async (client) => void (await client.query(`LISTEN ${channel}`)),
      onNotification: (msg) => this.notified(msg),
      onConnected: () => events.onConnected(),
      onError: (err) => events.onDisconnected(err),
      minBackoffMs: 100,
      maxBackoffMs: options.maxBackoffMs ?? 5000,
      pingIntervalMs: options.pingIntervalMs ?? 5000,
      connectionTimeoutMs: 5000,
    });
  }

  /** Connects; if the database is away, keeps trying in the background. */
  async start(): Promise<void> {
    await this.session.start();
  }

  private notified(msg: pg.Notification): void {
    this.events.onNotify(msg.payload ?? "");
  }

  async stop(): Promise<void> {
    await this.session.close();
  }
}
