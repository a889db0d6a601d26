// The user stream wired to the order manager, with a reconciliation after every gap (a reconnect, an
// expired listenKey): events drive the state while the stream is up, the venue's REST records after it
// was down. Gaps that arrive while a reconciliation runs make one more run after it, not one each.
import type { UserStream, Venue } from "../venue/types.ts";
import type { Journal } from "./journal.ts";
import type { OrderManager } from "./orders.ts";
import { type ReconcileReport, reconcile } from "./reconcile.ts";

export interface StreamWiring {
  venue: Venue;
  journal: Journal;
  manager: OrderManager;
  symbol: string;
  session: string;
  /** After a gap, adopt what the venue holds instead of stopping (the --adopt flag). */
  adopt?: boolean;
  onReconciled?(report: ReconcileReport): void;
  /** A reconciliation that failed (a ReconcileMismatch: the session should stop) or a stream error. */
  onError?(err: Error): void;
}

export async function connectUserStream(w: StreamWiring): Promise<UserStream & { idle(): Promise<void> }> {
  let running: Promise<void> | undefined;
  let again: string | undefined;
  const run = (trigger: string): Promise<void> => {
    if (running) {
      again = trigger;
      return running;
    }
    running = (async () => {
      for (let t: string | undefined = trigger; t; t = again, again = undefined) {
        try {
          w.onReconciled?.(await reconcile({ ...w, trigger: t }));
        } catch (err) {
          await w.journal.recordError(`reconcile after ${t}`, err).catch(() => undefined);
          w.onError?.(err as Error);
        }
      }
    })().finally(() => (running = undefined));
    return running;
  };
  const stream = await w.venue.userStream({
    onEvent: (e) => void w.manager.handleUserEvent(e),
    onGap: (reason) => void run(`gap: ${reason}`),
    onError: (err) => {
      void w.journal.recordError("user stream", err).catch(() => undefined);
      w.onError?.(err);
    },
  });
  return { close: () => stream.close(), idle: async () => void (await running) };
}
