/**
 * Who listens on a local TCP port, read from Linux's /proc: a server started on a port that
 * `freePort()` found free may find it taken by another process by the time it binds (the test
 * files and benches run side by side), and a readiness probe on that port would then be answered
 * by the other process. Readiness therefore asks whether the child itself holds the listening
 * socket; a child that exits while somebody else listens on its port lost that race.
 */
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Inodes of the sockets listening on `port` (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth field.
      if (f.length > 9 && f[3] === "0A" && parseInt(f[1]!.split(":").at(-1)!, 16) === port) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** Whether process `pid` holds a socket listening on `port`. */
export function listensOn(pid: number, port: number): boolean {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** Whether any process listens on `port`. */
export function portTaken(port: number): boolean {
  return listeningInodes(port).size > 0;
}

/**
 * Waits until `child` itself holds `port` and answers `probe`: true. False when it exited while
 * another process listens on its port (it lost the race for the port: start it again on another).
 * Throws when it exits otherwise, or is not serving within `deadlineMs`.
 */
export async function untilServing(name: string, child: ChildProcess, port: number, probe: () => Promise<boolean>, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) {
      if (portTaken(port)) return false;
      throw new Error(`${name} exited (${child.exitCode}) before it was ready`);
    }
    if (listensOn(child.pid!, port) && (await probe().catch(() => false))) return true;
    if (Date.now() > deadline) throw new Error(`${name} not ready after ${deadlineMs / 1000} s`);
    await sleep(100);
  }
}
