// Where a running trader's session socket lives: <sessionDir>/monitor.sock, or, when that path is longer
// than a Unix socket address can hold, a short path in a private folder under the system's temp folder,
// named in <sessionDir>/monitor.sock.path. Server and clients find it here, so both rules live once.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const SOCKET_FILE = "monitor.sock";
export const SOCKET_POINTER_FILE = "monitor.sock.path";
/**
 * sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included: 103 bytes of path
 * fit both (unix(7): https://man7.org/linux/man-pages/man7/unix.7.html).
 */
export const MAX_SOCKET_PATH_BYTES = 103;

/** The socket in the session folder itself. */
export function sessionSocketPath(sessionDir: string): string {
  return path.join(sessionDir, SOCKET_FILE);
}

export function socketPathFits(file: string): boolean {
  return Buffer.byteLength(file) <= MAX_SOCKET_PATH_BYTES;
}

/** The socket a client should dial: the pointer file's path when there is one, else the session folder's socket; undefined when neither exists. */
export function findSocket(sessionDir: string): string | undefined {
  const pointer = path.join(sessionDir, SOCKET_POINTER_FILE);
  if (existsSync(pointer)) {
    const target = readFileSync(pointer, "utf8").trim();
    if (target && existsSync(target)) return target;
  }
  const own = sessionSocketPath(sessionDir);
  return existsSync(own) ? own : undefined;
}
