// The user data stream through binance-api-node's ws.futuresUser (listenKey create, keepalive every
// 50 s, a new key when a keepalive fails), with what it leaves out: a listenKeyExpired event restarts
// the stream at once with a new key (the library would wait for the next failing keepalive), and every
// socket open after the first, every restart, is reported as a gap so the caller resynchronizes by REST.
import { parseUserEvent } from "./binance-parse.ts";
import { redactSecrets } from "./keys.ts";
import type { UserStream, UserStreamHandlers } from "./types.ts";

type Close = (opts?: object) => Promise<void>;

/** What the user stream reports to a session's Health (structural: the venue does not depend on trade). */
export interface UserStreamHealth {
  streamUp(route: string): void;
  streamDown(route: string, reason: string): void;
  streamEvent(route: string): void;
  listenKeyExpired(): void;
}

/** The user data stream's name in the session's health view. */
const USER_ROUTE = "user";
type Open = (cb: (m: any) => void) => Promise<Close>;

export async function openUserStream(open: Open, handlers: UserStreamHandlers, health?: UserStreamHealth): Promise<UserStream> {
  let close: Close | undefined;
  let closed = false;
  let opens = 0;
  let gapReason: string | undefined;
  let restarting = false;

  const onMessage = (m: any) => {
    if (closed) return;
    const type = m?.type ?? m?.eventType;
    if (type === "open") {
      opens++;
      health?.streamUp(USER_ROUTE);
      const reason = gapReason ?? (opens > 1 ? "the user stream reconnected" : undefined);
      gapReason = undefined;
      if (reason) handlers.onGap(reason);
      return;
    }
    if (type === "error") {
      const e = m.error as Error | undefined;
      health?.streamDown(USER_ROUTE, redactSecrets(e?.message ?? String(e)));
      handlers.onError?.(new Error(redactSecrets(`user stream: ${e?.message ?? String(e)}`)));
      // a failed keepalive makes binance-api-node open a new stream: its open is a gap
      gapReason ??= "the user stream was restarted after an error";
      return;
    }
    health?.streamEvent(USER_ROUTE);
    const event = parseUserEvent(m);
    if (!event) return;
    handlers.onEvent(event);
    if (event.kind === "expired") {
      health?.listenKeyExpired();
      health?.streamDown(USER_ROUTE, "the listenKey expired");
      void restart("the listenKey expired");
    }
  };

  async function restart(reason: string): Promise<void> {
    if (restarting || closed) return;
    restarting = true;
    try {
      await close?.().catch(() => undefined); // the dead key's DELETE fails; the socket is closed anyway
      gapReason = reason;
      for (let attempt = 0; !closed; attempt++) {
        try {
          close = await open(onMessage);
          break;
        } catch (err) {
          handlers.onError?.(err as Error);
          await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)));
        }
      }
    } finally {
      restarting = false;
    }
  }

  close = await open(onMessage);
  return {
    close: async () => {
      closed = true;
      await close?.().catch(() => undefined);
    },
  };
}
