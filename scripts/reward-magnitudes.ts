// The reward components' typical magnitudes, for docs/training.md: a trained run's stochastic policy
// (as in training) and a uniformly random one through the training environment over days of the run's
// training range, per step, per event (steps where the component is not 0) and per episode.
//   npx tsx scripts/reward-magnitudes.ts --run runs/<name> [--episodes 20]
import { parseArgs } from "node:util";
import { Rng } from "../src/core/random.ts";
import { loadData } from "../src/eval/run.ts";
import { NUM_ACTIONS } from "../src/kernel/actions.ts";
import { episodeStarts } from "../src/rl/data.ts";
import { TradingEnv } from "../src/rl/env.ts";
import { REWARD_COMPONENTS, rewardScale } from "../src/rl/reward.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { loadRunPolicy } from "../src/rl/run-policy.ts";

const { values: args } = parseArgs({ options: { run: { type: "string" }, episodes: { type: "string", default: "20" } } });
if (!args.run) throw new Error("--run runs/<name> is required");
const run = readRun(args.run);
const data = await loadData(run, {});
const train = run.info.split.train;
const scale = rewardScale(data.market.close, train, run.cfg.sim);
const starts = episodeStarts(data.openTime, train, run.cfg.env.episodeBars);
const { learner } = await loadRunPolicy(run, "best");
const rng = new Rng(1);

type Stats = Record<string, { abs: number; events: number; eventAbs: number; episodeSum: number[] }>;

function measure(pick: (obs: Float32Array) => number): Stats {
  const env = new TradingEnv(data, { ...run.cfg.env, episodeStarts: starts, rewardScale: scale }, run.cfg.sim, run.cfg.reward, () => rng.next(), run.cfg.risk);
  const stats: Stats = Object.fromEntries([...REWARD_COMPONENTS, "total"].map((c) => [c, { abs: 0, events: 0, eventAbs: 0, episodeSum: [] }]));
  let steps = 0;
  for (let e = 0; e < Number(args.episodes); e++) {
    let obs = env.reset();
    const sums: Record<string, number> = Object.fromEntries(Object.keys(stats).map((c) => [c, 0]));
    for (;;) {
      const out = env.step(pick(obs));
      steps++;
      for (const [c, v] of [...Object.entries(out.components), ["total", out.reward] as const]) {
        stats[c].abs += Math.abs(v);
        if (v !== 0) {
          stats[c].events++;
          stats[c].eventAbs += Math.abs(v);
        }
        sums[c] += v;
      }
      if (out.terminated || out.truncated) break;
      obs = out.obs;
    }
    for (const c of Object.keys(stats)) stats[c].episodeSum.push(sums[c]);
  }
  for (const s of Object.values(stats)) s.abs /= steps;
  return stats;
}

const policies = {
  "trained (sampled)": (obs: Float32Array) => learner.act(obs, 1, { deterministic: false, random: rng.next }).actions[0],
  "uniform random": () => Math.floor(rng.next() * NUM_ACTIONS),
};
process.stdout.write(`reward unit u = ${(1e4 * scale.unit).toFixed(2)} bp of equity (notional/equity ${scale.exposure}); ${args.episodes} episodes of ${run.cfg.env.episodeBars} bars\n`);
for (const [name, pick] of Object.entries(policies)) {
  const s = measure(pick);
  process.stdout.write(`\n${name}\n| component | mean |c| per step | share of steps ≠ 0 | mean |c| when ≠ 0 | mean per episode | sd per episode |\n|---|---|---|---|---|---|\n`);
  const steps = Number(args.episodes) * run.cfg.env.episodeBars;
  for (const [c, v] of Object.entries(s)) {
    const m = v.episodeSum.reduce((a, b) => a + b, 0) / v.episodeSum.length;
    const sd = Math.sqrt(v.episodeSum.reduce((a, b) => a + (b - m) ** 2, 0) / v.episodeSum.length);
    process.stdout.write(`| ${c} | ${v.abs.toFixed(3)} | ${((100 * v.events) / steps).toFixed(1)} % | ${v.events ? (v.eventAbs / v.events).toFixed(3) : "—"} | ${m.toFixed(1)} | ${sd.toFixed(1)} |\n`);
  }
}
