// The reward ablation of docs/training.md: the training config with each reward component switched off
// in turn (and any other variant given as key=value overrides), several seeds each, trained and then
// evaluated on the run's validation and test ranges through the same code as rlt train / rlt eval.
//   npx tsx scripts/reward-ablation.ts --config configs/ppo.yaml --features features/BTCUSDT-1m \
//     --data-dir data --seeds 1,2,3 [--variants full,no-pnl,...] [--work /tmp/ablation] [--json out.json]
// A variant is a built-in name (full, no-<component>, pnl-only) or name:key=value;key=value with dotted
// keys into the config (e.g. keep:env.actions=long-short-keep).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createReporter } from "../src/core/log.ts";
import { spreadOf } from "../src/eval/group-stats.ts";
import { behaviourAgainstBaselines, loadData, rowsOf, tradeAll } from "../src/eval/run.ts";
import { type TrainConfig, loadTrainConfigForCommand, parseTrainConfig } from "../src/rl/config.ts";
import { REWARD_COMPONENTS, REWARD_WEIGHTS } from "../src/rl/reward.ts";
import { readRun } from "../src/rl/run-dir.ts";
import { loadRunPolicy } from "../src/rl/run-policy.ts";
import { train } from "../src/rl/trainer.ts";

const { values: args } = parseArgs({
  options: {
    config: { type: "string", default: "configs/ppo.yaml" },
    features: { type: "string" },
    "data-dir": { type: "string", default: "data" },
    seeds: { type: "string", default: "1,2,3" },
    variants: { type: "string" },
    work: { type: "string", default: "/tmp/rlt-ablation" },
    json: { type: "string" },
  },
});

const BUILT_IN: Record<string, Record<string, unknown>> = {
  full: {},
  ...Object.fromEntries(REWARD_COMPONENTS.map((c) => [`no-${c}`, { [`reward.${REWARD_WEIGHTS[c]}`]: 0 }])),
  "pnl-only": Object.fromEntries(REWARD_COMPONENTS.filter((c) => c !== "pnl").map((c) => [`reward.${REWARD_WEIGHTS[c]}`, 0])),
};

function parseVariant(spec: string): { name: string; overrides: Record<string, unknown> } {
  if (BUILT_IN[spec]) return { name: spec, overrides: BUILT_IN[spec] };
  const [name, rest = ""] = spec.split(":");
  const overrides: Record<string, unknown> = {};
  for (const kv of rest.split(";").filter(Boolean)) {
    const [k, v] = kv.split("=");
    overrides[k] = v === "true" ? true : v === "false" ? false : v === "null" ? null : Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return { name, overrides };
}

function withOverrides(cfg: TrainConfig, overrides: Record<string, unknown>, name: string, seed: number): TrainConfig {
  const copy = structuredClone(cfg) as unknown as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(overrides)) {
    const keys = k.split(".");
    let node: Record<string, unknown> = copy;
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[keys[keys.length - 1]] = v;
  }
  return parseTrainConfig({ ...copy, name, seed }, `variant ${name}`);
}

interface Row {
  variant: string;
  seed: number;
  updates: number;
  tradesPerDay: number;
  long: number;
  short: number;
  flat: number;
  degenerate: boolean;
  reasons: string[];
  validationReturn: number;
  testReturn: number;
  buyAndHoldTest: number;
  seconds: number;
}

async function evaluate(runDir: string, split: "test" | "validation") {
  const run = readRun(runDir);
  const data = await loadData(run, {});
  const rows = rowsOf(data.openTime, run.info.splitMs[split]);
  const { policy } = await loadRunPolicy(run, "best");
  const runs = tradeAll(policy, data, rows, run, { randomRepeats: 1, momentumBars: 60, seed: 1 });
  const behaviour = behaviourAgainstBaselines(runs);
  return { agent: runs.agent.totalReturn, bh: runs.bh.totalReturn, behaviour };
}

async function main(): Promise<void> {
  const base = loadTrainConfigForCommand(args.config, args["data-dir"], () => (args.features ? { features: args.features } : {}));
  const seeds = args.seeds.split(",").map(Number);
  const variants = (args.variants ?? Object.keys(BUILT_IN).join(",")).split(",").map(parseVariant);
  const reporter = createReporter({ quiet: true });
  const rows: Row[] = [];
  for (const v of variants) {
    for (const seed of seeds) {
      const runDir = path.join(args.work, v.name, `seed-${seed}`);
      rmSync(runDir, { recursive: true, force: true });
      mkdirSync(path.dirname(runDir), { recursive: true });
      const cfg = withOverrides(base, v.overrides, `${v.name}-${seed}`, seed);
      const t0 = Date.now();
      const trained = await train(cfg, { runDir, resume: false, reporter });
      const val = await evaluate(runDir, "validation");
      const test = await evaluate(runDir, "test");
      const b = test.behaviour;
      const row: Row = {
        variant: v.name,
        seed,
        updates: trained.updates,
        tradesPerDay: b.tradesPerDay,
        long: b.positions.long,
        short: b.positions.short,
        flat: b.positions.flat,
        degenerate: b.verdict.degenerate,
        reasons: b.verdict.reasons,
        validationReturn: val.agent,
        testReturn: test.agent,
        buyAndHoldTest: test.bh,
        seconds: (Date.now() - t0) / 1000,
      };
      rows.push(row);
      process.stderr.write(`${v.name} seed ${seed}: ${row.updates} updates, ${row.tradesPerDay.toFixed(1)} trades/day, long/short/flat ${pct(row.long)}/${pct(row.short)}/${pct(row.flat)}, val ${pct(row.validationReturn)}, test ${pct(row.testReturn)} (B&H ${pct(row.buyAndHoldTest)})${row.degenerate ? `, DEGENERATE (${row.reasons.join("; ")})` : ""}, ${row.seconds.toFixed(0)} s\n`);
    }
  }
  if (args.json) writeFileSync(args.json, `${JSON.stringify(rows, null, 2)}\n`);
  process.stdout.write(table(rows, variants.map((v) => v.name)));
}

function table(rows: Row[], names: string[]): string {
  const lines = [
    "| variant | trades/day | long / short / flat (% of bars) | degenerate seeds | validation return | test return |",
    "|---|---|---|---|---|---|",
  ];
  for (const name of names) {
    const rs = rows.filter((r) => r.variant === name);
    const med = (f: (r: Row) => number) => spreadOf(rs.map(f)).median;
    const range = (f: (r: Row) => number) => {
      const s = spreadOf(rs.map(f));
      return `${pct(s.median)} (${pct(s.min)} … ${pct(s.max)})`;
    };
    lines.push(
      `| ${name} | ${med((r) => r.tradesPerDay).toFixed(1)} | ${(100 * med((r) => r.long)).toFixed(0)} / ${(100 * med((r) => r.short)).toFixed(0)} / ${(100 * med((r) => r.flat)).toFixed(0)} | ${rs.filter((r) => r.degenerate).length} of ${rs.length} | ${range((r) => r.validationReturn)} | ${range((r) => r.testReturn)} |`,
    );
  }
  const bh = rows[0]?.buyAndHoldTest;
  lines.push("", `Medians over seeds ${[...new Set(rows.map((r) => r.seed))].join(", ")} (min … max in brackets); buy & hold on the test range: ${pct(bh)}.`);
  return `${lines.join("\n")}\n`;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)} %`;
}

await main();
