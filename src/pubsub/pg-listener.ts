/**
 * A LISTEN connection that stays up: it reconnects with backoff when the connection errors, ends,
 * or stops answering a periodic ping, and reports every (re)connection so the owner can re-read
 * whatever it may have missed while deaf.
 */
import pg from "pg";

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
  private client: pg.Client | null = null;
  private stopped = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs = 100;
  private connected = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly events: ListenerEvents,
    private readonly options: ListenerOptions = {},
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    client.on("notification", (msg) => this.events.onNotify(msg.payload ?? ""));
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client, new Error("LISTEN connection ended")));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      this.lost(client, err, true);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.connected = true;
    this.backoffMs = 100;
    this.pingTimer = setInterval(() => {
      // A half-open TCP connection raises no error by itself; a ping that fails does.
      client.query("SELECT 1").catch((err) => this.lost(client, err));
    }, this.options.pingIntervalMs ?? 5000);
    this.pingTimer.unref();
    this.events.onConnected();
  }

  private lost(client: pg.Client, error: unknown, neverConnected = false): void {
    if (!neverConnected && this.client !== client) return; // a stale client's late event
    if (this.client === client) {
      this.client = null;
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
      client.removeAllListeners();
      client.on("error", () => {});
      client.end().catch(() => {});
    }
    if (this.connected || neverConnected) this.events.onDisconnected(error);
    this.connected = false;
    if (this.stopped || this.retryTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) {
      client.removeAllListeners();
      client.on("error", () => {});
      await client.end().catch(() => {});
    }
  }
}
