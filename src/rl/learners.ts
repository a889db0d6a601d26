// The learner a config asks for (ppo.learner), created or loaded, and what a run records of it. TF.js is
// imported only for ppo.learner: tfjs: the wasm-simd learner trains, evaluates and trades without it.
import type { Learner, PpoConfig } from "./learner.ts";

export interface LearnerSource {
  /** What the run records and the commands print: "wasm-simd (2 threads)", "tfjs (wasm)". */
  description: string;
  /** The learner's name and, for the wasm-simd learner, its thread count. */
  learner: PpoConfig["learner"];
  threads?: number;
  create(obsSize: number, seed: number): Learner;
  load(dir: string, optimizer: "require" | "if-present" | "skip"): Promise<Learner>;
  /** Release what opening took: TF.js's tensor scope, and every learner it gave (their worker threads). */
  release(): void;
}

/**
 * Open the config's learner: for training with its threads, for inference ("infer") on the calling
 * thread only (a decision or a replay chunk is far too small to split).
 */
export async function openLearner(ppo: PpoConfig, purpose: "train" | "infer"): Promise<LearnerSource> {
  if (ppo.learner === "tfjs") {
    const { loadTf } = await import("./backend.ts");
    const { TfPpoLearner } = await import("./ppo.ts");
    const { tf, backend } = await loadTf();
    // a training run's tensors go when it ends; an inference learner's live as long as the process
    if (purpose === "train") tf.engine().startScope();
    return {
      description: `tfjs (${backend})`,
      learner: "tfjs",
      create: (obsSize, seed) => TfPpoLearner.create(tf, ppo, obsSize, seed),
      load: (dir, optimizer) => TfPpoLearner.load(tf, ppo, dir, { optimizer }),
      release: () => (purpose === "train" ? tf.engine().endScope() : undefined),
    };
  }
  const { WasmPpoLearner, learnerThreads } = await import("./wasm/learner.ts");
  const threads = purpose === "infer" ? 1 : learnerThreads(ppo);
  const given: Learner[] = [];
  const keep = <L extends Learner>(l: L) => (given.push(l), l);
  return {
    description: `wasm-simd (${threads} thread${threads === 1 ? "" : "s"})`,
    learner: "wasm-simd",
    threads,
    create: (obsSize, seed) => keep(WasmPpoLearner.create(ppo, obsSize, seed, { threads })),
    load: async (dir, optimizer) => keep(await WasmPpoLearner.load(ppo, dir, { optimizer, threads })),
    release: () => given.splice(0).forEach((l) => l.close()),
  };
}
