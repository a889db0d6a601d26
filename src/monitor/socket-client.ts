// The other end of the session socket (socket-server.ts): ask a running trader for its view or its
// journal's rows, or attach to it as a MonitorSource that follows it until the trader ends (no
// reconnect: a trader that ended has nothing more to say, and a restarted one is a new attach).
import { type Socket, connect } from "node:net";
import { DataError } from "../core/errors.ts";
import { findSocket } from "./socket-path.ts";
import { type JournalDump, type SocketMessage, type SocketRequest, parseMessage, readLines } from "./socket-protocol.ts";
import type { Alert, MonitorSource, MonitorView } from "./types.ts";

/** A one-shot question's patience: a trader answers a view in well under a millisecond of work. */
const ASK_TIMEOUT_MS = 3000;

/** An attached running session: the view follows it; `ended` settles when the trader closes the socket. */
export interface AttachedSource extends MonitorSource {
  readonly ended: Promise<void>;
  close(): void;
}

/** The running trader's view, or undefined when nobody answers (no socket, or a stale one). */
export async function askView(sessionDir: string, timeoutMs = ASK_TIMEOUT_MS): Promise<MonitorView | undefined> {
  const m = await ask(sessionDir, { op: "view" }, timeoutMs);
  return m?.type === "view" ? m.view : undefined;
}

/** The running trader's journal rows, or undefined when nobody answers. */
export async function askJournal(sessionDir: string, timeoutMs = 30_000): Promise<JournalDump | undefined> {
  const m = await ask(sessionDir, { op: "journal" }, timeoutMs);
  return m?.type === "journal" ? m.journal : undefined;
}

async function ask(sessionDir: string, req: SocketRequest, timeoutMs: number): Promise<SocketMessage | undefined> {
  const file = findSocket(sessionDir);
  if (!file) return undefined;
  const c = await dial(file, timeoutMs);
  if (!c) return undefined;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (m: SocketMessage | undefined, err?: Error) => {
      clearTimeout(t);
      c.destroy();
      if (err) reject(err);
      else resolve(m);
    };
    readLines(c, (line) => {
      const m = parseMessage(line);
      if (m.type === "error") finish(undefined, new DataError(`the trader of ${sessionDir} refused ${req.op}: ${m.message}`));
      else finish(m);
    });
    c.on("close", () => finish(undefined));
    c.write(`${JSON.stringify(req)}\n`);
  });
}

/** Attach to a running session; undefined when nobody answers. */
export async function attach(sessionDir: string): Promise<AttachedSource | undefined> {
  const file = findSocket(sessionDir);
  const c = file ? await dial(file, ASK_TIMEOUT_MS) : undefined;
  if (!c) return undefined;
  const listeners = new Set<(v: MonitorView) => void>();
  const alertListeners = new Set<(a: Alert) => void>();
  let view: MonitorView | undefined;
  let first!: (ok: boolean) => void;
  const firstView = new Promise<boolean>((r) => (first = r));
  const ended = new Promise<void>((resolve) => c.on("close", () => resolve()));
  void ended.then(() => first(false));
  readLines(c, (line) => {
    const m = parseMessage(line);
    if (m.type === "view") {
      view = m.view;
      first(true);
      for (const l of [...listeners]) l(m.view);
    } else if (m.type === "alert") for (const l of [...alertListeners]) l(m.alert);
  });
  c.write(`${JSON.stringify({ op: "subscribe" } satisfies SocketRequest)}\n`);
  const t = setTimeout(() => c.destroy(), ASK_TIMEOUT_MS);
  const ok = await firstView;
  clearTimeout(t);
  if (!ok || !view) return undefined;
  return {
    ended,
    snapshot: () => view!,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onAlert(l) {
      alertListeners.add(l);
      return () => alertListeners.delete(l);
    },
    close: () => c.destroy(),
  };
}

/** A connection, or undefined when nobody listens (a stale socket file) or it does not connect in time. */
function dial(file: string, timeoutMs: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const c = connect(file);
    const t = setTimeout(() => {
      c.destroy();
      resolve(undefined);
    }, timeoutMs);
    c.once("connect", () => {
      clearTimeout(t);
      resolve(c);
    });
    c.once("error", () => {
      clearTimeout(t);
      c.destroy();
      resolve(undefined);
    });
  });
}
