/**
 * A dedicated PostgreSQL session (not pooled) that comes back by itself. When the connection
 * errors, ends or — with `pingIntervalMs` — stops answering (a half-open TCP connection raises no
 * error by itself), it is replaced, retrying with backoff for as long as it takes, and `setup`
 * (LISTEN, SET …) runs again on each new connection before it is used.
 */
import pg from "pg";

export interface PgSessionOptions {
  readonly connectionString: string;
  readonly applicationName: string;
  /** Runs on every new connection before it is handed out. */
  readonly setup?: (client: pg.Client) => Promise<void>;
  readonly onNotification?: (msg: pg.Notification) => void;
  /** After every connection, the first included, once `setup` has run. */
  readonly onConnected?: () => void;
  /** After every connection made by a retry (not by the first attempt). */
  readonly onReconnected?: () => void;
  /** A connection lost or an attempt failed (another attempt follows unless closed). */
  readonly onError: (error: Error) => void;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Checks the connection with `SELECT 1` this often (default: never). */
  readonly pingIntervalMs?: number;
  readonly connectionTimeoutMs?: number;
}

export class PgSession {
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private ping: NodeJS.Timeout | null = null;
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
    this.use(await this.connect(), false);
  }

  /** Connects, and on failure keeps retrying in the background (start-up goes on without it). */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (err) {
      this.opts.onError(err as Error);
      this.schedule();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.stopPing();
    const client = this.client;
    this.client = null;
    if (!client) return;
    client.removeAllListeners();
    client.on("error", () => {});
    await client.end().catch(() => {});
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      application_name: this.opts.applicationName,
      keepAlive: true,
      connectionTimeoutMillis: this.opts.connectionTimeoutMs ?? 10_000,
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

  private use(client: pg.Client, reconnected: boolean): void {
    if (this.closed) return void client.end().catch(() => {});
    this.client = client;
    this.backoffMs = this.opts.minBackoffMs ?? 250;
    if (this.opts.pingIntervalMs) {
      this.ping = setInterval(() => client.query("SELECT 1").catch((err: Error) => this.lost(client, err)), this.opts.pingIntervalMs);
      this.ping.unref();
    }
    this.opts.onConnected?.();
    if (reconnected) this.opts.onReconnected?.();
  }

  private stopPing(): void {
    if (this.ping) clearInterval(this.ping);
    this.ping = null;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return; // not handed out yet (connect() reports it) or already replaced
    this.client = null;
    this.stopPing();
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
        (client) => this.use(client, true),
        (e: Error) => {
          this.opts.onError(e);
          this.schedule();
        },
      );
    }, delay);
    this.retry.unref();
  }
}
