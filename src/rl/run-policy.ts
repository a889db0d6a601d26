// Loading a trained policy: the one place that turns a run folder (or a model folder a command just
// trained) into a kernel Policy, checked against the run's config. Evaluation, walk-forward, the
// look-ahead check and trading all call it.
import { DataError } from "../core/errors.ts";
import { clipObservation, observationSize } from "../kernel/observation.ts";
import type { Policy } from "../kernel/policy.ts";
import type { TrainConfig } from "./config.ts";
import type { Learner } from "./learner.ts";
import { openLearner } from "./learners.ts";
import { type TrainingRun, modelDir } from "./run-dir.ts";
import type { ModelChoice } from "./run-files.ts";

export interface LoadedPolicy {
  policy: Policy;
  learner: Learner;
  /** The learner it runs on ("wasm-simd (1 thread)", "tfjs (wasm)"). */
  backend: string;
  dir: string;
}

/** A learner's deterministic policy as the kernel sees it, with the run's observation clip (env.obsClip). */
export function learnerPolicy(learner: Learner, obsClip: number | null): Policy {
  // the kernel's observation buffers are its own: clip a copy
  const input = (obs: Float32Array) => (obsClip === null ? obs : clipObservation(obs.slice(), obsClip));
  return {
    obsSize: learner.obsSize,
    decideBatch: (obs, rows) => learner.greedy(input(obs), rows),
    probabilities: (obs, rows) => learner.probabilities(input(obs), rows),
  };
}

/** The run's best or final model, without its Adam state (inference never uses it). */
export async function loadRunPolicy(run: TrainingRun, choice: ModelChoice): Promise<LoadedPolicy> {
  return loadPolicyFrom(run.cfg, modelDir(run, choice), `the ${choice} model`);
}

/** The model in `dir`, refused unless its inputs match what the config's observation gives. */
export async function loadPolicyFrom(cfg: TrainConfig, dir: string, what = dir): Promise<LoadedPolicy> {
  // TF.js's tensors of an inference learner live as long as the process: no scope to release
  const source = await openLearner(cfg.ppo, "infer");
  const learner = await source.load(dir, "skip");
  const backend = source.description;
  const expected = observationSize(cfg.env.positionInObs);
  if (learner.obsSize !== expected) throw new DataError(`${what} takes ${learner.obsSize} inputs; the run's config (env.positionInObs: ${cfg.env.positionInObs}) gives ${expected}`, { hint: "the model and config.yaml of a run belong together: restore the run's own config" });
  return { policy: learnerPolicy(learner, cfg.env.obsClip), learner, backend, dir };
}
