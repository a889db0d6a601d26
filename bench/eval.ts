// Evaluation speed: the simulator replaying precomputed actions, and the policy's batched inference
// (a model without position inputs) followed by the replay, on a generated market.
import { DEFAULT_ACTION_SCHEME } from "../src/kernel/actions.ts";
import { POSITION_INPUTS } from "../src/kernel/observation.ts";
import { replayActions, replayPolicy } from "../src/kernel/replay.ts";
import { learnerPolicy } from "../src/rl/run-policy.ts";
import { DEFAULT_OBS_CLIP } from "../src/rl/config.ts";
import { PpoConfigSchema } from "../src/rl/learner.ts";
import { openLearner } from "../src/rl/learners.ts";
import { Rng } from "../src/core/random.ts";
import { syntheticMarket } from "../src/rl/synthetic.ts";
import { SimConfigSchema } from "../src/sim/config.ts";
import { FEATURE_COUNT } from "../src/features/definitions.ts";
import type { BenchResult } from "./index.ts";
import { DEFAULT_RISK_CONFIG } from "../src/risk/index.ts";

const BARS = 1_000_000;
const SEQUENTIAL_BARS = 200_000;

export async function run(): Promise<BenchResult[]> {
  const data = syntheticMarket({ bars: BARS, seed: 1 });
  const sim = SimConfigSchema.parse({});
  const range = { from: 0, to: BARS };
  // a policy that changes its mind about every 20 bars: trades, fees and funding all happen
  const rng = new Rng(1);
  const actions = new Uint8Array(BARS);
  for (let i = 0, a = 0; i < BARS; i++) actions[i] = rng.next() < 0.05 ? (a = Math.floor(rng.next() * 3)) : a;
  replayActions(data, { from: 0, to: 100_000 }, sim, DEFAULT_ACTION_SCHEME, actions, DEFAULT_RISK_CONFIG); // JIT warm-up
  let t0 = performance.now();
  const replay = replayActions(data, range, sim, DEFAULT_ACTION_SCHEME, actions, DEFAULT_RISK_CONFIG);
  const replaySeconds = (performance.now() - t0) / 1000;

  // the default learner's inference (ppo.learner: wasm-simd); bench ppo sets it beside TF.js's
  const source = await openLearner(PpoConfigSchema.parse({}), "infer");
  const backend = source.description;
  const learner = learnerPolicy(source.create(FEATURE_COUNT, 1), DEFAULT_OBS_CLIP);
  replayPolicy(learner, DEFAULT_ACTION_SCHEME, data, { from: 0, to: 20_000 }, sim, false, DEFAULT_RISK_CONFIG); // warm-up
  t0 = performance.now();
  replayPolicy(learner, DEFAULT_ACTION_SCHEME, data, range, sim, false, DEFAULT_RISK_CONFIG);
  const evalSeconds = (performance.now() - t0) / 1000;
  const withPosition = learnerPolicy(source.create(FEATURE_COUNT + POSITION_INPUTS, 1), DEFAULT_OBS_CLIP);
  t0 = performance.now();
  replayPolicy(withPosition, DEFAULT_ACTION_SCHEME, data, { from: 0, to: SEQUENTIAL_BARS }, sim, true, DEFAULT_RISK_CONFIG);
  const sequentialSeconds = (performance.now() - t0) / 1000;
  return [
    { name: "simulator replay of precomputed actions", value: BARS / replaySeconds, unit: "bars/s", target: 1_000_000, detail: `${replay.trades.length.toLocaleString("en-US")} trades` },
    { name: `evaluation, batched inference (${backend})`, value: BARS / evalSeconds, unit: "bars/s", target: 200_000, detail: "30 inputs: decisions do not wait for the position" },
    { name: `evaluation, per-bar inference (${backend})`, value: SEQUENTIAL_BARS / sequentialSeconds, unit: "bars/s", detail: "33 inputs (env.positionInObs): one forward pass per bar" },
  ];
}
