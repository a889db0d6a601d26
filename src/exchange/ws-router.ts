// WebSocket market streams as Binance routes them since 2026-04: /public (depth, bookTicker),
// /market (aggTrade, kline, markPrice, ...), /private (user data). Raw `/<route>/ws/<stream>[/<stream>]`
// or combined `/<route>/stream?streams=a/b` (wrapped as {stream, data}). An unrouted connection
// (`/ws/...`, `/stream?...`) silently receives only public streams.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { FaultConfig, StreamSource } from "./types.ts";

export type Route = "public" | "market" | "private" | "unrouted";

/** Stream names are `<lower-case symbol>@<camelCase stream>`: only the symbol part is case-folded. */
export function normalizeStream(stream: string): string {
  const at = stream.indexOf("@");
  return at < 0 ? stream.toLowerCase() : stream.slice(0, at).toLowerCase() + stream.slice(at);
}

export function streamRoute(stream: string): "public" | "market" {
  const name = stream.split("@")[1] ?? "";
  return name.startsWith("depth") || name === "bookTicker" || name === "rpiDepth" ? "public" : "market";
}

export interface WsRouterOptions {
  sources: () => StreamSource[];
  faults: FaultConfig;
  /** Server pings this often (Binance: every 3 minutes). */
  pingIntervalMs: number;
  /** Connections are closed after this long (Binance: 24 hours). */
  maxConnectionMs: number;
  /** Seeded draws for faults.wsDropRate. */
  random?: () => number;
  /** Told of each injected drop (the fault counter). */
  onDrop?: () => void;
}

/** A user-data stream name is a listen key: no `@`, unlike every market stream. */
function isListenKey(stream: string): boolean {
  return stream.length > 0 && !stream.includes("@");
}

export class WsRouter {
  private readonly wss = new WebSocketServer({ noServer: true });
  connections = 0;
  messages = 0;

  constructor(private readonly opts: WsRouterOptions) {}

  /** Handle an HTTP upgrade; returns false when the path is not a stream path. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? "/", "http://localhost");
    const m = /^(?:\/(public|market|private))?\/(ws|stream)(?:\/(.*))?$/.exec(url.pathname);
    if (!m) return false;
    const route = (m[1] ?? "unrouted") as Route;
    const combined = m[2] === "stream";
    // the user stream: /private/ws/<listenKey> (binance-api-node) or /private/ws?listenKey=<key> (Binance's docs)
    const listenKey = url.searchParams.get("listenKey");
    const initial = [...(combined ? (url.searchParams.get("streams") ?? "") : (m[3] ?? "")).split("/"), listenKey ?? ""].filter(Boolean);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, route, combined, initial));
    return true;
  }

  closeAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private serve(ws: WebSocket, route: Route, combined: boolean, initial: string[]): void {
    this.connections++;
    const subs = new Map<string, () => void>();
    let sent = 0;
    const send = (stream: string, payload: Record<string, unknown>) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify(combined ? { stream, data: payload } : payload));
      sent++;
      this.messages++;
      const drop = this.opts.faults.dropWsAfterMessages;
      const rate = this.opts.faults.wsDropRate;
      // injected fault: the connection dies without a close frame
      if ((drop > 0 && sent >= drop) || (rate > 0 && (this.opts.random ?? Math.random)() < rate)) {
        this.opts.onDrop?.();
        ws.terminate();
      }
    };
    const subscribe = (stream: string) => {
      const name = normalizeStream(stream);
      if (subs.has(name)) return;
      // listen keys are served on /private (and, as Binance long did, on an unrouted /ws/<listenKey>)
      const allowed = isListenKey(name) ? route === "private" || route === "unrouted" : route === "unrouted" ? streamRoute(name) === "public" : route === streamRoute(name);
      const source = allowed ? this.opts.sources().find((s) => s.canServe(name)) : undefined;
      subs.set(name, source ? source.subscribe(name, (p) => send(name, p)) : () => {});
    };
    const unsubscribe = (stream: string) => {
      subs.get(normalizeStream(stream))?.();
      subs.delete(normalizeStream(stream));
    };
    for (const s of initial) subscribe(s);
    ws.on("message", (raw) => {
      let msg: { method?: string; params?: unknown; id?: unknown };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        ws.send(JSON.stringify({ error: { code: 3, msg: "Invalid JSON: expected value at line 1 column 1" } }));
        return;
      }
      const params = Array.isArray(msg.params) ? (msg.params as string[]) : [];
      if (msg.method === "SUBSCRIBE") params.forEach(subscribe);
      else if (msg.method === "UNSUBSCRIBE") params.forEach(unsubscribe);
      else if (msg.method === "LIST_SUBSCRIPTIONS") return ws.send(JSON.stringify({ result: [...subs.keys()], id: msg.id }));
      else return ws.send(JSON.stringify({ error: { code: 2, msg: `Invalid request: unknown method ${String(msg.method)}` }, id: msg.id }));
      ws.send(JSON.stringify({ result: null, id: msg.id }));
    });
    const ping = setInterval(() => ws.ping(), this.opts.pingIntervalMs);
    const lifetime = setTimeout(() => ws.close(1000, "connection lifetime reached"), this.opts.maxConnectionMs);
    ws.on("close", () => {
      clearInterval(ping);
      clearTimeout(lifetime);
      for (const off of subs.values()) off();
      subs.clear();
    });
  }
}
