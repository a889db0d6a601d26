// The run's test-range evaluation (`rlt eval`'s default) that a live session is held against: drift
// compares its action mix, the performance alert its equity. Both read it here, with the same refusals.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ActionShares } from "../eval/action-shares.ts";
import { EVAL_FILES } from "../eval/run.ts";
import type { TrainingRun } from "../rl/run-dir.ts";
import { RUN_FILES } from "../rl/run-files.ts";

const EVAL_LABEL = "test";

export interface TestEvaluation {
  dir: string;
  metrics: { model?: string; actionShares?: ActionShares };
}

/**
 * The evaluation's folder and metrics.json, or why there are none: `needs` (a file of EVAL_FILES) is
 * missing, in words saying what it was needed `for`; metrics.json does not parse.
 */
export function testEvaluation(run: TrainingRun, needs: string, purpose: string): TestEvaluation | { reason: string } {
  const dir = path.join(run.dir, RUN_FILES.evaluations, EVAL_LABEL);
  const needed = path.join(dir, needs);
  if (!existsSync(needed)) return { reason: `no evaluation on the test range ${purpose} (${needed} is missing): run rlt eval` };
  const file = path.join(dir, EVAL_FILES.metrics);
  try {
    return { dir, metrics: JSON.parse(readFileSync(file, "utf8")) };
  } catch (err) {
    return { reason: `${file} is not readable JSON (${(err as Error).message}): rerun rlt eval` };
  }
}

/** Why the evaluation cannot stand for this session: it is of another model. */
export function otherModel(evaluation: TestEvaluation, model: string): string | undefined {
  const evaluated = evaluation.metrics.model;
  return evaluated === model ? undefined : `the test-range evaluation is of the ${evaluated} model, this session trades the ${model} one: rlt eval --checkpoint ${model}`;
}
