// The names inside a run folder (runs/<name>/), in one place: training writes them, and evaluation,
// walk-forward, the checks, the report and trading read them.

export const RUN_FILES = {
  /** The resolved training config. */
  config: "config.yaml",
  /** Symbol, backend, split and its time ranges. */
  info: "run.json",
  /** A copy of the feature manifest the run was trained on (normalization included). */
  manifest: "feature-manifest.json",
  metrics: "metrics.csv",
  weightsHash: "weights.sha256",
  /** Held for the whole of a training run. */
  trainLock: "train.lock",
  checkpoint: "checkpoint",
  /** The model selected on validation, and the last one. */
  bestModel: "best",
  finalModel: "model",
  evaluations: "eval",
  walkForward: "walk-forward",
  /** Live and paper trading sessions, one folder each. */
  sessions: "sessions",
} as const;

/** Inside a model folder: the two networks as TF.js Layers models. */
export const MODEL_PARTS = ["policy/model.json", "policy/weights.bin"] as const;

export type ModelChoice = "best" | "final";

export function modelFolderName(choice: ModelChoice): string {
  return choice === "best" ? RUN_FILES.bestModel : RUN_FILES.finalModel;
}
