// Running reward normalization (ppo.normalizeReward), as Stable-Baselines3's VecNormalize does it: each
// reward is divided by the running standard deviation of the discounted return the environments have
// accumulated so far, then clipped. The value network then fits returns of about unit size whatever the
// reward's weights, and the advantage scale stays steady as the policy learns to trade less or more.
import { z } from "zod";

const CLIP = 10;
const EPSILON = 1e-8;

const f64 = z.custom<number>((v) => typeof v === "number", "expected a number");

export const RewardNormalizerStateSchema = z.object({ count: f64, mean: f64, var: f64, returns: z.array(f64) }).strict();
export type RewardNormalizerState = z.infer<typeof RewardNormalizerStateSchema>;

export class RewardNormalizer {
  // SB3's RunningMeanStd starts from a tiny pseudo-count, so the first batch sets the statistics
  private count = 1e-4;
  private mean = 0;
  private variance = 1;
  private readonly returns: Float64Array;

  constructor(
    numEnvs: number,
    private readonly gamma: number,
  ) {
    this.returns = new Float64Array(numEnvs);
  }

  /** One rollout step's rewards (one per environment) in place, normalized; `done[e]` ends env e's return. */
  normalize(rewards: Float64Array, done: ArrayLike<number>): Float64Array {
    for (let e = 0; e < rewards.length; e++) this.returns[e] = this.returns[e] * this.gamma + rewards[e];
    this.update(this.returns);
    const sd = Math.sqrt(this.variance + EPSILON);
    for (let e = 0; e < rewards.length; e++) {
      rewards[e] = Math.max(-CLIP, Math.min(CLIP, rewards[e] / sd));
      if (done[e]) this.returns[e] = 0;
    }
    return rewards;
  }

  snapshot(): RewardNormalizerState {
    return { count: this.count, mean: this.mean, var: this.variance, returns: Array.from(this.returns) };
  }

  restore(s: RewardNormalizerState): void {
    if (s.returns.length !== this.returns.length) throw new Error(`internal: reward normalizer of ${s.returns.length} environments restored into ${this.returns.length}`);
    this.count = s.count;
    this.mean = s.mean;
    this.variance = s.var;
    this.returns.set(s.returns);
  }

  /** Chan et al.'s parallel update of the running mean and variance with a batch. */
  private update(batch: Float64Array): void {
    let m = 0;
    for (const x of batch) m += x;
    m /= batch.length;
    let v = 0;
    for (const x of batch) v += (x - m) ** 2;
    v /= batch.length;
    const n = batch.length;
    const total = this.count + n;
    const delta = m - this.mean;
    this.mean += (delta * n) / total;
    this.variance = (this.variance * this.count + v * n + (delta * delta * this.count * n) / total) / total;
    this.count = total;
  }
}
