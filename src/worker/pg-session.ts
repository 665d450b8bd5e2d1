/**
 * A dedicated PostgreSQL session (not pooled) that comes back by itself. When the connection
 * errors or ends — the server restarted, the network dropped it — it is replaced, retrying with
 * backoff for as long as it takes, and `setup` (LISTEN, SET …) runs again on each new connection
 * before it is used. Used by the scheduler worker for its LISTEN on SCHEDULE_CHANNEL.
 */
import pg from "pg";

export interface PgSessionOptions {
  readonly connectionString: string;
  readonly applicationName: string;
  /** Runs on every new connection before it is handed out. */
  readonly setup?: (client: pg.Client) => Promise<void>;
  readonly onNotification?: (msg: pg.Notification) => void;
  /** After every successful reconnection (not the first connection). */
  readonly onReconnected?: () => void;
  readonly onError: (error: Error) => void;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class PgSession {
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private closed = false;

  constructor(private readonly opts: PgSessionOptions) {
    this.backoffMs = opts.minBackoffMs ?? 250;
  }

  /** The connected client; null while the session is being re-established. */
  get current(): pg.Client | null {
    return this.client;
  }

  /** Connects; the first attempt's failure is the caller's (start-up fails loudly). */
  async open(): Promise<void> {
    this.client = await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      application_name: this.opts.applicationName,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    if (this.opts.onNotification) client.on("notification", this.opts.onNotification);
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client, new Error(`${this.opts.applicationName}: connection ended`)));
    try {
      await client.connect();
      await this.opts.setup?.(client);
    } catch (err) {
      client.removeAllListeners();
      client.on("error", () => {});
      await client.end().catch(() => {});
      throw err;
    }
    return client;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return; // not handed out yet (connect() reports it) or already replaced
    this.client = null;
    client.removeAllListeners();
    client.on("error", () => {});
    client.end().catch(() => {});
    if (this.closed) return;
    this.opts.onError(err);
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.retry) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 5000);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().then(
        (client) => {
          if (this.closed) return void client.end().catch(() => {});
          this.client = client;
          this.backoffMs = this.opts.minBackoffMs ?? 250;
          this.opts.onReconnected?.();
        },
        (e: Error) => {
          this.opts.onError(e);
          this.schedule();
        },
      );
    }, delay);
    this.retry.unref();
  }
}
