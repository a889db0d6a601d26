// `rlt trade` on a terminal: the UI starts when the session's monitor exists, the session's info lines
// go to its status line (stdout belongs to ink), and it closes when the session has ended.
import type { SessionMonitor } from "../monitor/monitor.ts";
import type { TradeControls } from "../monitor/types.ts";
import { runTui } from "./app.tsx";

export interface TradeUi {
  onInfo(message: string): void;
  onMonitor(monitor: SessionMonitor, controls: TradeControls): void;
  /** The session has ended (or failed): let the UI go, and wait until it has left the terminal. */
  close(): Promise<void>;
}

export function tradeUi(opts: { ctrlCExit: "keep" | "flatten"; onForceQuit?: () => void }): TradeUi {
  const listeners = new Set<(m: string) => void>();
  let lastInfo: string | undefined;
  let ended!: () => void;
  const sessionEnded = new Promise<void>((resolve) => (ended = resolve));
  let running: Promise<void> | undefined;
  const infos = (listener: (m: string) => void) => {
    listeners.add(listener);
    // what the session said before the UI existed (the lock, continuing a session)
    if (lastInfo !== undefined) listener(lastInfo);
    return () => void listeners.delete(listener);
  };
  return {
    onInfo(message) {
      lastInfo = message;
      for (const l of listeners) l(message);
    },
    onMonitor(monitor, controls) {
      running = runTui(monitor, controls, { ended: sessionEnded, infos, ctrlCExit: opts.ctrlCExit, onForceQuit: opts.onForceQuit });
    },
    async close() {
      ended();
      await running;
    },
  };
}
