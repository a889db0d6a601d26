// A policy decides an action from an observation. The trained agent (a learner's deterministic
// policy) and any rule a test or baseline writes look the same to the kernel.

export interface Policy {
  readonly obsSize: number;
  /** The deterministic action for each of `rows` observations laid end to end. */
  decideBatch(obs: Float32Array, rows: number): ArrayLike<number>;
  /** Action probabilities for each of `rows` observations (rows × 3), for the journal and the UI. */
  probabilities?(obs: Float32Array, rows: number): Float32Array;
}

/** A policy's single decision: what live trading asks once per closed bar. */
export function decide(policy: Policy, obs: Float32Array): number {
  return policy.decideBatch(obs, 1)[0];
}
