// A realistic synthetic ReportData for tests and previews: a seeded random-walk price over ~3000
// hourly bars, an agent that makes ~40 trades, four baselines (one of them flat, so a constant
// equity and an all-NaN rolling Sharpe are exercised), 20 training rows. Never used by real runs.
import { Rng, gaussian } from "../core/random.ts";
import type { ReportData, ReportSeries, ReportTrade } from "./data.ts";

const HOUR = 3_600_000;

/** Drawdown (<= 0) of an equity curve. */
function underwater(equity: number[]): number[] {
  let peak = -Infinity;
  return equity.map((e) => {
    peak = Math.max(peak, e);
    return peak > 0 ? e / peak - 1 : 0;
  });
}

/** Annualized Sharpe of per-bar returns over a trailing window; NaN before the window fills or when flat. */
function rollingSharpe(equity: number[], window: number, barsPerYear: number): number[] {
  const r = equity.map((e, i) => (i === 0 ? NaN : e / equity[i - 1] - 1));
  return r.map((_, i) => {
    if (i < window) return NaN;
    let sum = 0;
    let sq = 0;
    for (let k = i - window + 1; k <= i; k++) {
      sum += r[k];
      sq += r[k] * r[k];
    }
    const mean = sum / window;
    const variance = sq / window - mean * mean;
    if (!(variance > 1e-18)) return NaN;
    return (mean / Math.sqrt(variance)) * Math.sqrt(barsPerYear);
  });
}

/** Equity of holding `pos[i]` × qty over bar i → i+1, with a taker fee on every change. */
function simulate(price: number[], pos: number[], start: number, feeRate: number): { equity: number[]; trades: number } {
  const equity = [start];
  let cash = start;
  let trades = 0;
  for (let i = 1; i < price.length; i++) {
    const qty = (start * 0.9) / price[0];
    cash += pos[i - 1] * qty * (price[i] - price[i - 1]);
    if (pos[i] !== pos[i - 1]) {
      cash -= Math.abs(pos[i] - pos[i - 1]) * qty * price[i] * feeRate;
      if (pos[i] !== 0) trades++;
    }
    equity.push(cash);
  }
  return { equity, trades };
}

function metricRow(name: string, equity: number[], sharpeWindow: number, trades: number, winRate: number, note?: string) {
  const ret = equity.map((e, i) => (i === 0 ? 0 : e / equity[i - 1] - 1)).slice(1);
  const mean = ret.reduce((a, b) => a + b, 0) / Math.max(1, ret.length);
  const sd = Math.sqrt(ret.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, ret.length));
  const downside = Math.sqrt(ret.reduce((a, b) => a + Math.min(0, b) ** 2, 0) / Math.max(1, ret.length));
  const ann = Math.sqrt(24 * 365);
  const dd = underwater(equity);
  void sharpeWindow;
  return {
    name,
    values: {
      totalReturn: equity[equity.length - 1] / equity[0] - 1,
      sharpe: sd > 0 ? (mean / sd) * ann : NaN,
      sortino: downside > 0 ? (mean / downside) * ann : NaN,
      maxDrawdown: Math.min(...dd),
      trades,
      winRate,
      finalEquity: equity[equity.length - 1],
    },
    ...(note ? { note } : {}),
  };
}

/** A synthetic ReportData: deterministic for a given seed. */
export function sampleReportData(opts: { bars?: number; trades?: number; seed?: number } = {}): ReportData {
  const bars = opts.bars ?? 3000;
  const nTrades = opts.trades ?? 40;
  const rand = new Rng(opts.seed ?? 7).next;
  const start = Date.UTC(2024, 0, 1);
  const timeMs = Array.from({ length: bars }, (_, i) => start + (i + 1) * HOUR);

  // Random walk with slowly switching drift and a couple of volatility bursts.
  const price: number[] = [];
  let p = 42_000;
  let drift = 0.0002;
  for (let i = 0; i < bars; i++) {
    if (rand() < 0.004) drift = (rand() - 0.45) * 0.0012;
    const vol = i > bars * 0.55 && i < bars * 0.6 ? 0.011 : 0.0055;
    p *= Math.exp(drift + vol * gaussian(rand));
    price.push(p);
  }

  // The agent: nTrades non-overlapping trades, one per slot, side mostly following the drift.
  const position = new Array<number>(bars).fill(0);
  const trades: ReportTrade[] = [];
  const startEquity = 10_000;
  const qty = (startEquity * 0.9) / price[0];
  const feeRate = 0.0005;
  const slot = Math.floor(bars / nTrades);
  const reasons = ["signal", "signal", "signal", "take-profit", "stop-loss", "end-of-data"];
  for (let k = 0; k < nTrades; k++) {
    const entry = k * slot + 1 + Math.floor(rand() * slot * 0.3);
    const hold = 4 + Math.floor(rand() * slot * 0.6);
    const exit = Math.min(bars - 1, entry + hold);
    if (exit <= entry) continue;
    const lookback = Math.max(0, entry - 24);
    const trend = price[entry] - price[lookback];
    const side: 1 | -1 = rand() < 0.7 ? (trend >= 0 ? 1 : -1) : trend >= 0 ? -1 : 1;
    for (let i = entry; i < exit; i++) position[i] = side;
    const fees = qty * (price[entry] + price[exit]) * feeRate;
    const funding = -side * qty * price[entry] * 0.0001 * Math.floor((exit - entry) / 8);
    const gross = side * qty * (price[exit] - price[entry]);
    trades.push({
      side,
      entryTimeMs: timeMs[entry],
      exitTimeMs: timeMs[exit],
      entryPrice: price[entry],
      exitPrice: price[exit],
      qty,
      feesUsdt: fees,
      fundingUsdt: funding,
      pnlUsdt: gross - fees + funding,
      holdingBars: exit - entry,
      exitReason: k === nTrades - 1 && exit === bars - 1 ? "end-of-data" : reasons[Math.floor(rand() * (reasons.length - 1))],
    });
  }

  const agent = simulate(price, position, startEquity, feeRate);
  const buyHold = simulate(price, position.map((_, i) => (i < bars - 1 ? 1 : 1)), startEquity, feeRate);
  const flat = { equity: new Array<number>(bars).fill(startEquity), trades: 0 };
  // SMA crossover 24/96.
  const sma = (w: number, i: number) => {
    let s = 0;
    const lo = Math.max(0, i - w + 1);
    for (let k = lo; k <= i; k++) s += price[k];
    return s / (i - lo + 1);
  };
  const smaPos = price.map((_, i) => (i < 96 ? 0 : sma(24, i) > sma(96, i) ? 1 : -1));
  const smaCross = simulate(price, smaPos, startEquity, feeRate);
  // Random entries, held for a day.
  const randPos = new Array<number>(bars).fill(0);
  for (let i = 0; i < bars; i += 24) {
    const s = rand() < 0.5 ? 0 : rand() < 0.5 ? 1 : -1;
    for (let k = i; k < Math.min(bars, i + 24); k++) randPos[k] = s;
  }
  const random = simulate(price, randPos, startEquity, feeRate);

  const names = ["agent (ppo)", "buy & hold", "flat (cash)", "SMA 24/96 crossover", "random (seed 7)"];
  const curves = [agent, buyHold, flat, smaCross, random];
  const window = 168;
  const series = (values: (c: { equity: number[] }) => number[]): ReportSeries[] =>
    curves.map((c, i) => ({ name: names[i], values: values(c) }));
  const equity = series((c) => c.equity);
  const drawdown = series((c) => underwater(c.equity));
  const sharpe = series((c) => rollingSharpe(c.equity, window, 24 * 365));

  const winRate = trades.filter((t) => t.pnlUsdt > 0).length / Math.max(1, trades.length);
  const rows = [
    metricRow(names[0], agent.equity, window, trades.length, winRate),
    metricRow(names[1], buyHold.equity, window, 1, NaN),
    metricRow(names[2], flat.equity, window, 0, NaN, "never trades: constant equity, Sharpe undefined"),
    metricRow(names[3], smaCross.equity, window, smaCross.trades, NaN),
    metricRow(names[4], random.equity, window, random.trades, NaN),
  ];
  const avgHold = trades.reduce((a, t) => a + t.holdingBars, 0) / Math.max(1, trades.length);
  for (const r of rows) (r.values as Record<string, number>).avgHolding = r.name === names[0] ? avgHold : NaN;
  for (const r of rows) (r.values as Record<string, number>).fees = r.name === names[0] ? trades.reduce((a, t) => a + t.feesUsdt, 0) : NaN;

  // Training: 20 updates of PPO-looking curves.
  const updates = Array.from({ length: 20 }, (_, i) => i + 1);
  const noise = () => (rand() - 0.5) * 0.2;
  const training = {
    x: updates,
    series: [
      { name: "charts/episodic_return", values: updates.map((u) => -0.04 + 0.06 * (1 - Math.exp(-u / 6)) + noise() * 0.05) },
      { name: "reward/pnl", values: updates.map((u) => -0.02 + 0.05 * (1 - Math.exp(-u / 5)) + noise() * 0.03) },
      { name: "reward/fees", values: updates.map((u) => -0.012 + 0.008 * (1 - Math.exp(-u / 4)) + noise() * 0.002) },
      { name: "reward/drawdown", values: updates.map((u) => -0.006 * Math.exp(-u / 10) + noise() * 0.001) },
      { name: "reward/holding", values: updates.map(() => 0) },
      { name: "losses/policy_loss", values: updates.map((u) => -0.01 * Math.exp(-u / 8) + noise() * 0.01) },
      { name: "losses/value_loss", values: updates.map((u) => 0.8 * Math.exp(-u / 5) + 0.05 + noise() * 0.05) },
      { name: "losses/approx_kl", values: updates.map((u) => (u === 1 ? NaN : 0.004 + rand() * 0.01)) },
      { name: "losses/entropy", values: updates.map((u) => 1.09 - 0.02 * u + noise() * 0.02) },
    ],
  };

  return {
    title: "ppo-btcusdt — BTCUSDT test range",
    generatedAt: new Date(Date.UTC(2024, 5, 1, 12, 0, 0)).toISOString(),
    warnings: ["evaluation range overlaps training: --allow-overlap"],
    summary: [
      { label: "run", value: "runs/ppo-btcusdt-2024-05-30" },
      { label: "symbol", value: "BTCUSDT 1h" },
      { label: "range", value: `${new Date(timeMs[0]).toISOString().slice(0, 10)} → ${new Date(timeMs[bars - 1]).toISOString().slice(0, 10)}` },
      { label: "bars", value: bars.toLocaleString("en-US") },
      { label: "backend", value: "tfjs-wasm" },
      { label: "model hash", value: "sha256:3f9a1c0e7b52d4a8" },
      { label: "initial equity", value: `${startEquity.toLocaleString("en-US")} USDT` },
    ],
    timeMs,
    price,
    position,
    equity,
    drawdown,
    rollingSharpe: sharpe,
    rollingSharpeWindowBars: window,
    trades,
    metrics: {
      columns: [
        { key: "totalReturn", label: "Total return", format: "pct" },
        { key: "sharpe", label: "Sharpe", format: "num" },
        { key: "sortino", label: "Sortino", format: "num" },
        { key: "maxDrawdown", label: "Max drawdown", format: "pct" },
        { key: "trades", label: "Trades", format: "int" },
        { key: "winRate", label: "Win rate", format: "pct" },
        { key: "avgHolding", label: "Avg holding", format: "bars" },
        { key: "fees", label: "Fees (USDT)", format: "usdt" },
        { key: "finalEquity", label: "Final equity (USDT)", format: "usdt" },
      ],
      rows,
    },
    risk: {
      exitColumns: ["stop-loss", "take-profit", "risk-halt", "liquidation"],
      rows: [
        { name: names[0], denials: 317, denialDetail: "below-one-lot 312: risk-per-trade 312; halted 5", halts: 3, haltDetail: "daily-loss ×3, 2024-02-03 14:00 … 2024-04-11 09:00", barsHalted: 41, barsReducing: 0, exits: { "stop-loss": 9, "take-profit": 6, "risk-halt": 3, liquidation: 0 } },
        { name: names[1], denials: 12, denialDetail: "halted 12", halts: 1, haltDetail: "daily-loss 2024-03-18 06:00", barsHalted: 12, barsReducing: 0, exits: { "stop-loss": 0, "take-profit": 0, "risk-halt": 1, liquidation: 0 } },
        { name: names[2], denials: 0, denialDetail: "", halts: 0, haltDetail: "", barsHalted: 0, barsReducing: 0, exits: { "stop-loss": 0, "take-profit": 0, "risk-halt": 0, liquidation: 0 } },
        { name: names[3], denials: 0, denialDetail: "", halts: 0, haltDetail: "", barsHalted: 0, barsReducing: 0, exits: { "stop-loss": 4, "take-profit": 2, "risk-halt": 0, liquidation: 0 } },
        { name: names[4], denials: 0, denialDetail: "", halts: 0, haltDetail: "", barsHalted: 0, barsReducing: 0, exits: { "stop-loss": 0, "take-profit": 0, "risk-halt": 0, liquidation: 1 } },
      ],
    },
    uncertainty: [
      { label: "Sharpe, 95% bootstrap CI (1000 resamples, 24-bar blocks)", value: "[-0.41, 1.87]" },
      { label: "Total return, 95% bootstrap CI", value: "[-6.2%, 14.9%]" },
      { label: "P(agent Sharpe > buy & hold Sharpe)", value: "0.58" },
    ],
    training,
    config: [
      "run:",
      "  name: ppo-btcusdt",
      "  seed: 7",
      "data:",
      "  symbol: BTCUSDT",
      "  interval: 1h",
      "  train: { from: 2023-01-01, to: 2024-03-01 }",
      "  test: { from: 2024-01-01, to: 2024-05-05 }",
      "env:",
      "  fee_rate: 0.0005",
      "  leverage: 1",
      "  reward:",
      "    pnl: 1.0",
      "    fees: 1.0",
      "    drawdown: 0.2",
      "    holding: 0.0",
      "ppo:",
      "  updates: 20",
      "  rollout_steps: 2048",
      "  gamma: 0.99",
      "  gae_lambda: 0.95",
      "  clip: 0.2",
      "  lr: 0.0003",
      "",
    ].join("\n"),
  };
}
