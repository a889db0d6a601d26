// A session that only says what it is told: the journal's replay of a finished session
// (journal-view.ts) drives a SessionMonitor with it, and so do the monitor's tests.
import type { SessionEvent, SessionState } from "../trade/session.ts";

export class ScriptedSession {
  private readonly listeners: ((e: SessionEvent) => void)[] = [];
  st: SessionState;

  constructor(over: Partial<SessionState> = {}) {
    this.st = { id: "s1", symbol: "BTCUSDT", mode: "paper", status: "trading", bars: 0, account: { balanceUsdt: 1000, equityUsdt: 1000, position: undefined }, realizedPnlUsdt: 0, feesUsdt: 0, fundingUsdt: 0, trades: 0, ...over };
  }

  on(l: (e: SessionEvent) => void): void {
    this.listeners.push(l);
  }

  state(): SessionState {
    return this.st;
  }

  emit(e: SessionEvent): void {
    for (const l of this.listeners) l(e);
  }
}
