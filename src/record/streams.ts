// One combined-stream WebSocket per route (`/public` for depth and bookTicker, `/market` for aggTrade
// and markPrice), reconnected here rather than by binance-api-node's reconnecting-websocket: that one
// hides its reconnects, which the recorder must count and answer (a depth resync, an aggTrade
// backfill), and waits at least 4 s before every attempt, losing seconds of stream each time.
import WebSocket from "ws";

/** Waits before reconnect attempts: quick at first, then backing off to 10 s while the server stays away. */
const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000, 10_000];
/** No message for this long on an open connection: treat it as dead (a half-open TCP connection never closes). */
const SILENT_CONNECTION_MS = 60_000;

export interface RoutedStreamOptions {
  /** e.g. ws://127.0.0.1:4000/public/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker */
  url: string;
  onPayload: (stream: string, payload: unknown) => void;
  /** Each (re)opened connection; `connects` is 1 for the first. */
  onOpen?: (connects: number) => void;
  /** The connection went down and a new one will be tried. */
  onDown?: (reason: string) => void;
}

export class RoutedStream {
  connects = 0;
  private ws?: WebSocket;
  private attempt = 0;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;
  private lastMessageMs = 0;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly opts: RoutedStreamOptions) {
    this.watchdog = setInterval(() => {
      if (this.ws?.readyState === WebSocket.OPEN && Date.now() - this.lastMessageMs > SILENT_CONNECTION_MS) this.recycle("no message for 60 s");
    }, 5000);
    this.watchdog.unref();
    this.connect();
  }

  /** Drop the current connection and open a new one right away (connection lifetime, silence). */
  recycle(reason: string): void {
    if (this.closed || !this.ws) return;
    const old = this.ws;
    this.ws = undefined;
    old.removeAllListeners();
    old.on("error", () => {});
    old.terminate();
    this.opts.onDown?.(reason);
    this.connect();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.removeAllListeners();
      ws.on("error", () => {});
      ws.terminate();
    }
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.opts.url);
    this.ws = ws;
    ws.on("open", () => {
      this.connects++;
      this.lastMessageMs = Date.now();
      this.opts.onOpen?.(this.connects);
    });
    ws.on("message", (raw) => {
      this.lastMessageMs = Date.now();
      this.attempt = 0; // the connection works: the next drop reconnects quickly again
      let msg: { stream?: string; data?: unknown };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return; // not a stream message
      }
      if (typeof msg.stream === "string") this.opts.onPayload(msg.stream, msg.data);
    });
    ws.on("error", () => {}); // followed by "close", which reconnects
    ws.on("close", (code, reason) => {
      if (this.ws !== ws || this.closed) return;
      this.ws = undefined;
      this.opts.onDown?.(`connection closed (${code}${reason.length ? ` ${reason}` : ""})`);
      const wait = RECONNECT_DELAYS_MS[Math.min(this.attempt++, RECONNECT_DELAYS_MS.length - 1)];
      this.retryTimer = setTimeout(() => this.connect(), wait);
    });
  }
}

/** The combined-stream URL of a route under rlt's WebSocket root (config endpoint.ws). */
export function routedStreamUrl(wsRoot: string, route: "public" | "market", streams: string[]): string {
  return `${wsRoot.replace(/\/$/, "")}/${route}/stream?streams=${streams.join("/")}`;
}
