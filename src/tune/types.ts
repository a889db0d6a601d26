// `rlt tune`: the shapes the search, the trial runner, the two back-ends and the report share.
import type { ArtifactExpectation } from "../features/artifact.ts";

/** One searched parameter: a dotted path into the training config (`ppo.learningRate`, `reward.w2`). */
export type ParamSpec =
  /** One of these values (numbers, strings, booleans or arrays such as `ppo.hidden`). */
  | { choice: unknown[] }
  /** A uniform real in [lo, hi]. */
  | { range: [number, number] }
  /** A real in [lo, hi], uniform in log(x): learning rates, coefficients spanning decades (lo > 0). */
  | { log: [number, number] }
  /** A uniform integer in [lo, hi], both included. */
  | { int: [number, number] };

/** Path → spec, in the config file's order (the order is the grid's and the report's). */
export type SearchSpace = Record<string, ParamSpec>;

/** One point of the space: path → value. */
export type Params = Record<string, unknown>;

export type SearchMethod = "grid" | "random" | "tpe";

/** A finished trial as the search sees it: its parameters and objective (null: failed, no value). */
export interface Observation {
  params: Params;
  objective: number | null;
}

/** What to train and evaluate for one trial: the same for the local pool and the queue. */
export interface TrialJob {
  /** The tune's name and its config's fingerprint: a worker's job id is built from them and the trial id. */
  tune: string;
  fingerprint: string;
  id: number;
  params: Params;
  /**
   * The trial's training config (the base with the parameters and `budget.updatesPerTrial` applied),
   * as a plain object; `features` and `dataDir` as the tune config gave them: a relative path is
   * resolved against the worker's working directory (a shared folder, or one where `rlt fetch` and
   * `rlt features` built the same artifact: its manifest must match `expect`).
   */
  train: Record<string, unknown>;
  /** One feature artifact per symbol, with what its manifest must hold (a worker's copy that differs is refused). */
  symbols: { symbol: string; features: string; expect: ArtifactExpectation }[];
  seeds: number[];
  /** Walk-forward folds (0: the config's own train / validation / test split). */
  folds: number;
  /** Seeded random baselines traded on each test range. */
  randomRepeats: number;
}

export type ObjectiveMetric = "sharpe" | "return";

/** One (symbol, fold, seed) training of a trial, evaluated with its best-validation model. */
export interface UnitResult {
  symbol: string;
  /** 0 when the config's own split is used, else 1..folds. */
  fold: number;
  seed: number;
  updates: number;
  bestUpdate: number;
  validation: RangeFigures;
  test: RangeFigures & { baselines: { buyAndHold: number; flat: number; momentum: number; randomMedian: number } };
}

export interface RangeFigures {
  fromMs: number;
  toMs: number;
  totalReturn: number;
  sharpe: number;
  trades: number;
  degenerate: boolean;
}

export type TrialStatus = "ok" | "failed";

/** A trial as recorded once in tunes/<name>/trials/<id>.json. */
export interface TrialRecord {
  id: number;
  params: Params;
  status: TrialStatus;
  /** The median over units of the validation metric; null when the trial failed. */
  objective: number | null;
  /** The median over units of the test metric (never used for the search: reported beside). */
  testObjective: number | null;
  error?: string;
  units: UnitResult[];
  /** Seconds from the start of the attempt that produced this record to its end. */
  wallSeconds: number;
  /** `host:pid` of the process that ran it (`local` for the pool's children). */
  worker: string;
  /** How many times the trial was started (more than 1 after a worker died under it). */
  attempts: number;
  startedAt: string;
  finishedAt: string;
}

/** What a trial's child process hands back: the record's figures and the small files of its runs. */
export interface TrialOutcome {
  status: TrialStatus;
  error?: string;
  units: UnitResult[];
  wallSeconds: number;
  worker: string;
  startedAt: string;
  finishedAt: string;
  /** Relative path under the trial's folder → file content, base64 (models, configs, metrics; no checkpoints). */
  files: Record<string, string>;
}

/** A trial's result as a back-end delivers it (possibly more than once: the tuner records it once). */
export interface Delivery {
  job: TrialJob;
  outcome: TrialOutcome;
  attempts: number;
}

/**
 * Where trials run: the local pool of child processes or the BullMQ queue. The tuner keeps at most
 * `capacity` trials submitted and not yet delivered.
 */
export interface TrialBackend {
  readonly name: string;
  readonly capacity: number;
  /** Start the trial (a trial already submitted or finished under this id is not started twice). */
  submit(job: TrialJob): Promise<void>;
  /** The next delivered trial; resolves when one ends (ok or failed, never throws for a trial's own error). */
  next(): Promise<Delivery>;
  /** Trials submitted and not yet delivered. */
  running(): number;
  /** Stop: the local pool kills its children; the queue leaves its jobs for the next tuner with this name. */
  close(): Promise<void>;
}
