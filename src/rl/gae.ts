// Generalized advantage estimation (Schulman et al. 2016, https://arxiv.org/abs/1506.02438) over a
// rollout stored step-major: index = step * numEnvs + env.
//   δ_t = r_t + γ·V(s_{t+1})·(1 − done_t) − V(s_t),   A_t = δ_t + γλ·(1 − done_t)·A_{t+1},   R_t = A_t + V(s_t)
// A time-limit truncation is not a terminal state: the trainer adds γ·V(final state) to that step's
// reward before calling this, then marks it done (CleanRL / SB3 practice).

export function computeGae(
  rewards: Float32Array,
  values: Float32Array,
  dones: Uint8Array,
  /** V of the observation after the last step, per env. */
  nextValues: Float32Array,
  numSteps: number,
  numEnvs: number,
  gamma: number,
  lambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const advantages = new Float32Array(numSteps * numEnvs);
  const returns = new Float32Array(numSteps * numEnvs);
  for (let e = 0; e < numEnvs; e++) {
    let lastGaeLam = 0;
    for (let t = numSteps - 1; t >= 0; t--) {
      const i = t * numEnvs + e;
      const nextValue = t === numSteps - 1 ? nextValues[e] : values[(t + 1) * numEnvs + e];
      const nonTerminal = 1 - dones[i];
      const delta = rewards[i] + gamma * nextValue * nonTerminal - values[i];
      lastGaeLam = delta + gamma * lambda * nonTerminal * lastGaeLam;
      advantages[i] = lastGaeLam;
      returns[i] = lastGaeLam + values[i];
    }
  }
  return { advantages, returns };
}
