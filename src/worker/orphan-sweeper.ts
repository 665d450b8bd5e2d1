/**
 * Releases jobs locked by worker pools that died. graphile-worker only frees a job whose worker
 * vanished after 4 hours; we need seconds. Liveness is a database session: each pool keeps this
 * connection open under the application_name `ew-worker <poolId>`. When a process dies (even by
 * SIGKILL) the kernel closes its socket and PostgreSQL ends the session at once; for a host that
 * disappears, server-side TCP keepalives end it within ~10 s. Every `intervalMs`, the sweeper
 * force-unlocks jobs held longer than `graceMs` by a pool with no such session. A job unlocked
 * while its pool is in fact alive (cut off from the database) may run twice; tasks re-check state
 * under a row lock, so the second run finds nothing to do. A liveness session that drops while the
 * process lives (PostgreSQL restarted) is re-established with backoff under the same name; until
 * then other workers may release this pool's jobs (harmless, as above) and this one sweeps nothing.
 */
import { PgSession } from "./pg-session.js";

export const LIVENESS_PREFIX = "ew-worker ";

export interface OrphanSweeperOptions {
  readonly connectionString: string;
  /** graphile-worker's pool id: the `locked_by` of jobs this process holds. */
  readonly poolId: string;
  readonly intervalMs: number;
  /** Jobs younger than this are left alone (a pool's session may not be up yet). */
  readonly graceMs: number;
  /** Called with the pools whose jobs were released, so the caller can wake its workers. */
  readonly onReleased: (poolIds: string[]) => void;
  readonly onError: (error: Error) => void;
}

export class OrphanSweeper {
  private readonly session: PgSession;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: OrphanSweeperOptions) {
    this.session = new PgSession({
      connectionString: opts.connectionString,
      applicationName: `${LIVENESS_PREFIX}${opts.poolId}`,
      // Let the server notice a vanished host within ~10 s instead of the OS default of hours.
      setup: async (client) => void (await client.query(`SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 5`)),
      onError: opts.onError,
    });
  }

  /** The liveness session is up: while it is not, other workers treat this pool as dead. */
  get alive(): boolean {
    return this.session.current !== null;
  }

  async start(): Promise<void> {
    await this.session.open();
    this.timer = setInterval(() => void this.sweep(), this.opts.intervalMs);
    await this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
    await this.session.close();
  }

  sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return this.sweeping ?? Promise.resolve();
    this.sweeping = (async () => {
      const client = this.session.current;
      if (!client) return;
      const { rows } = await client.query<{ pools: string[] | null }>(
        `WITH orphans AS (
           SELECT DISTINCT j.locked_by FROM graphile_worker._private_jobs j
           WHERE j.locked_by IS NOT NULL AND j.locked_at < now() - make_interval(secs => $1::float8 / 1000)
             AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = $2 || j.locked_by)
         ), unlocked AS (
           SELECT graphile_worker.force_unlock_workers(array_agg(locked_by)) FROM orphans
         )
         SELECT (SELECT array_agg(locked_by) FROM orphans) AS pools FROM unlocked`,
        [this.opts.graceMs, LIVENESS_PREFIX],
      );
      const pools = rows[0]?.pools ?? [];
      if (pools.length > 0) this.opts.onReleased(pools);
    })()
      .catch((e: Error) => this.opts.onError(e))
      .finally(() => {
        this.sweeping = null;
      });
    return this.sweeping;
  }
}
