// Deterministic policy run over a contiguous range through the same environment and simulator as
// training: what validation (and later `rlt eval`) measures.
import type { SimConfig } from "../sim/config.ts";
import type { Trade } from "../sim/simulator.ts";
import { type EnvData, TradingEnv } from "./env.ts";
import type { Range } from "./data.ts";
import type { Learner } from "./ppo.ts";
import { type RewardConfig } from "./reward.ts";

export interface PolicyRun {
  equity: Float64Array;
  trades: Trade[];
  totalReturn: number;
  /** Sharpe of 1-minute returns, annualized with √(525,600). */
  sharpe: number;
}

export const MINUTES_PER_YEAR = 525_600;

export function runPolicy(learner: Learner, data: EnvData, range: Range, simCfg: SimConfig, rewardCfg: RewardConfig, positionInObs: boolean, pick?: (obs: Float32Array) => number): PolicyRun {
  const bars = range.to - range.from - 1;
  const env = new TradingEnv(data, { episodeBars: bars, positionInObs, episodeStarts: [range.from] }, simCfg, rewardCfg, () => 0);
  let obs = env.reset(range.from);
  const equity = new Float64Array(bars + 1);
  equity[0] = simCfg.initialEquityUsdt;
  const trades: Trade[] = [];
  for (let t = 1; t <= bars; t++) {
    const action = pick ? pick(obs) : learner.act(obs, 1, { deterministic: true }).actions[0];
    const out = env.step(action);
    trades.push(...out.closed);
    equity[t] = out.equityUsdt;
    obs = out.obs;
    if (out.terminated) {
      equity.fill(out.equityUsdt, t + 1);
      break;
    }
  }
  const last = env.sim.closeAtEnd();
  if (last) trades.push(last);
  const rets: number[] = [];
  for (let t = 1; t < equity.length; t++) rets.push(equity[t] / equity[t - 1] - 1);
  const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
  const sd = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / rets.length);
  return { equity, trades, totalReturn: equity[equity.length - 1] / equity[0] - 1, sharpe: sd > 0 ? (mean / sd) * Math.sqrt(MINUTES_PER_YEAR) : 0 };
}
