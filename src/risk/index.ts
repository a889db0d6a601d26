// The risk engine's public surface (§8.3), used by training (TradingEnv), evaluation and walk-forward
// (the kernel's replay) through the bar simulator, and by live trading directly:
//
//   const engine = new RiskEngine(cfg.risk, cfg.sim, { requireStopLoss: true }); // after assertTradingRisk
//   engine.reset(equityUsdt);                                     // a session's start
//   each bar close:  for (const e of engine.onBar(equityUsdt, closeMs)) journal(e);   // halts, resumes
//                    if (engine.flattenRequired) close what is open (reduce-only);
//   each intent:     const d = engine.check({ target, current, refPriceUsdt, timeMs }, { balanceUsdt, equityUsdt, openRiskUsdt });
//                    d.kind === "denial" ? journal(d) : send d.qty with d.stopPrice / d.takeProfitPrice (d.trailingStopPct: move the stop
//                    to trailedStop(side, stop, best price since entry, pct) as the bar simulator does)
//   Ctrl-C:          engine.setState("reducing", "stopping", nowMs, equityUsdt)
//
// The closing leg of any intent always passes; `check` only sizes and gates what would be opened.
// The engine's state between bars is `snapshot()` / `restore()` (RiskSnapshotSchema). Limits and
// defaults: docs/risk.md.
export { RiskConfigSchema, type RiskConfig, DEFAULT_RISK_CONFIG, type SimSizing, assertTradingRisk } from "./config.ts";
export { RiskEngine, type RiskEngineOptions } from "./engine.ts";
export type { AccountView, Approval, Denial, DenialReason, HaltReason, OrderIntent, RiskEvent, RiskGate, RiskSnapshot, RiskState } from "../sim/risk-gate.ts";
export { RiskSnapshotSchema } from "../sim/risk-gate.ts";
export { entrySize, openRiskUsdt, protectionLevels, trailedStop, type Sizing, type SizingLimits } from "../sim/sizing.ts";
