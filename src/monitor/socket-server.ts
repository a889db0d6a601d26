// The running trader's session socket: a Unix socket in the session folder (never a network port), so
// `rlt trade status`, attach and the report of a running session can read what the trader holds; the
// DuckDB journal open for writing cannot be opened by another process. Read-only: no request changes
// the session. A socket that fails to start or a client that misbehaves never touches trading.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type Server, type Socket, connect, createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Journal } from "../trade/journal.ts";
import type { MonitorPlugin, SessionMonitor } from "./monitor.ts";
import { SOCKET_POINTER_FILE, findSocket, sessionSocketPath, socketPathFits } from "./socket-path.ts";
import { type SocketMessage, type SocketRequest, dumpJournal, readLines } from "./socket-protocol.ts";
import type { MonitorView } from "./types.ts";

export interface SocketServerOptions {
  sessionDir: string;
  journal: Pick<Journal, "query" | "file">;
  onInfo: (message: string) => void;
}

/** At most this many views a second to a subscriber (the last change always arrives). */
const SUBSCRIBE_MIN_INTERVAL_MS = 200;
/** A request line longer than this is not one of ours: the client is dropped. */
const MAX_REQUEST_BYTES = 4096;
/** How long a socket file's owner has to answer before it counts as stale. */
const PROBE_TIMEOUT_MS = 500;

export class SessionSocketServer implements MonitorPlugin {
  private server?: Server;
  private readonly clients = new Set<Socket>();
  private readonly cleanups = new Set<() => void>();
  /** Where it listens, once it does; `ready` settles then (or when it gave up). */
  socketPath?: string;
  private tmpDir?: string;
  readonly ready: Promise<void>;
  private closed = false;

  constructor(
    private readonly monitor: SessionMonitor,
    private readonly o: SocketServerOptions,
  ) {
    this.ready = this.listen().catch((err: Error) => {
      // the session trades on without it: only status, attach and a running report lose their view
      o.onInfo(`the session socket could not start (${err.message}): rlt trade status and attach cannot see this session while it runs`);
    });
  }

  private async listen(): Promise<void> {
    await removeStale(this.o.sessionDir);
    const own = sessionSocketPath(this.o.sessionDir);
    let file = own;
    if (!socketPathFits(own)) {
      // a private folder (0700) under the temp folder, and a pointer to it in the session folder
      this.tmpDir = mkdtempSync(path.join(os.tmpdir(), "rlt-"));
      file = path.join(this.tmpDir, "monitor.sock");
      if (!socketPathFits(file)) throw new Error(`the socket path ${own} is too long, and so is ${file} (TMPDIR): set TMPDIR to a shorter folder`);
    }
    const server = createServer((c) => this.accept(c));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(file, () => {
        server.off("error", reject);
        resolve();
      });
    });
    // only the user who runs the trader may read its state
    chmodSync(file, 0o600);
    server.on("error", (err) => this.o.onInfo(`the session socket: ${err.message}`));
    server.unref();
    this.server = server;
    this.socketPath = file;
    if (file !== own) writeFileSync(path.join(this.o.sessionDir, SOCKET_POINTER_FILE), `${file}\n`, { mode: 0o600 });
    if (this.closed) await this.close();
  }

  private accept(c: Socket): void {
    c.unref();
    this.clients.add(c);
    readLines(c, (line) => void this.answer(c, line), {
      maxPending: MAX_REQUEST_BYTES,
      tooLong: () => {
        send(c, { type: "error", message: `a request line longer than ${MAX_REQUEST_BYTES} bytes` });
        c.end();
      },
    });
    c.on("close", () => this.clients.delete(c));
  }

  private async answer(c: Socket, line: string): Promise<void> {
    let req: SocketRequest;
    try {
      req = JSON.parse(line) as SocketRequest;
    } catch {
      return send(c, { type: "error", message: `not JSON: ${line.slice(0, 80)}` });
    }
    try {
      if (req.op === "view") send(c, { type: "view", view: this.monitor.snapshot() });
      else if (req.op === "subscribe") this.subscribe(c);
      else if (req.op === "journal") send(c, { type: "journal", journal: await dumpJournal((sql) => this.o.journal.query(sql), this.o.journal.file) });
      else send(c, { type: "error", message: `unknown op ${JSON.stringify((req as { op?: unknown }).op)}: view, subscribe or journal` });
    } catch (err) {
      send(c, { type: "error", message: (err as Error).message });
    }
  }

  /** A view now and after changes (at most 5 a second, the last one never dropped), alerts as they fire. */
  private subscribe(c: Socket): void {
    let last = 0;
    let timer: NodeJS.Timeout | undefined;
    let pending: MonitorView | undefined;
    const flush = () => {
      timer = undefined;
      if (!pending) return;
      last = Date.now();
      send(c, { type: "view", view: pending });
      pending = undefined;
    };
    const offView = this.monitor.subscribe((v) => {
      pending = v;
      if (timer) return;
      const wait = last + SUBSCRIBE_MIN_INTERVAL_MS - Date.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait).unref();
    });
    const offAlert = this.monitor.onAlert((a) => send(c, { type: "alert", alert: a }));
    const cleanup = () => {
      offView();
      offAlert();
      clearTimeout(timer);
      this.cleanups.delete(cleanup);
    };
    // the session's end: what changed last goes out before the socket closes
    this.cleanups.add(() => {
      clearTimeout(timer);
      flush();
      cleanup();
    });
    c.on("close", cleanup);
    send(c, { type: "view", view: this.monitor.snapshot() });
  }

  /** The session ended: the last views go out, clients see the end, the socket file goes. */
  async close(): Promise<void> {
    this.closed = true;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const f of [...this.cleanups]) f();
    for (const c of this.clients) c.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of this.clients) c.destroy();
    // listen's socket file is removed by close(); the pointer and the private folder are ours to remove
    rmSync(path.join(this.o.sessionDir, SOCKET_POINTER_FILE), { force: true });
    if (this.tmpDir) rmSync(this.tmpDir, { recursive: true, force: true });
    rmSync(sessionSocketPath(this.o.sessionDir), { force: true });
  }
}

function send(c: Socket, m: SocketMessage): void {
  if (!c.writable) return;
  c.write(`${JSON.stringify(m)}\n`);
}

/** A socket file left by a trader that was killed (nobody answers on it) is removed before listening. */
async function removeStale(sessionDir: string): Promise<void> {
  const own = sessionSocketPath(sessionDir);
  const found = findSocket(sessionDir);
  for (const file of new Set([found, own])) {
    if (!file) continue;
    if (await answers(file)) throw new Error(`another process answers on ${file}`);
    rmSync(file, { force: true });
    const dir = path.dirname(file);
    if (dir !== sessionDir && path.basename(dir).startsWith("rlt-")) rmSync(dir, { recursive: true, force: true });
  }
  rmSync(path.join(sessionDir, SOCKET_POINTER_FILE), { force: true });
}

/** Whether something listens on a socket file (a connection within PROBE_TIMEOUT_MS). */
export function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(file);
    const done = (ok: boolean) => {
      clearTimeout(t);
      c.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    c.once("connect", () => done(true));
    c.once("error", () => done(false));
  });
}
