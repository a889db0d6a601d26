// Data → features → a short PPO training → evaluation against the baselines → the HTML report, with
// the same functions as rlt features / train / eval / report: the offline pipeline of the main job.
import { rmSync } from "node:fs";
import path from "node:path";
import type { Reporter } from "../core/log.ts";
import { type EvalResult, evaluateRun } from "../eval/run.ts";
import { DEFAULT_NORM_TRAIN_FRACTION, DEFAULT_ROLLING_WINDOW } from "../features/definitions.ts";
import { buildFeatures } from "../features/run.ts";
import { buildReport } from "../report/build.ts";
import { parseTrainConfig } from "../rl/config.ts";
import { type TrainResult, train } from "../rl/trainer.ts";

export interface PipelineResult {
  featuresDir: string;
  train: TrainResult;
  eval: EvalResult;
  reportHtml: string;
}

export async function runPipeline(dataDir: string, workDir: string, updates: number, reporter: Reporter): Promise<PipelineResult> {
  const featuresDir = path.join(workDir, "features", "BTCUSDT-1m");
  reporter.info(`5/9 features: the 30 inputs of every bar, normalization fitted on the first 70 % (${featuresDir})`);
  await buildFeatures({ dataDir, symbol: "BTCUSDT", outDir: featuresDir, trainFraction: DEFAULT_NORM_TRAIN_FRACTION, norm: {}, rollingWindow: DEFAULT_ROLLING_WINDOW, fillGaps: false });
  // the design's PPO with every default but the length: a demonstration, not a tuned agent
  const cfg = parseTrainConfig({ name: "demo", features: featuresDir, dataDir, seed: 1, training: { maxUpdates: updates, evalEvery: Math.max(1, Math.floor(updates / 3)), earlyStopPatience: 0 } }, "the demo's training config");
  const runDir = path.join(workDir, "ppo");
  rmSync(runDir, { recursive: true, force: true });
  reporter.info(`6/9 training PPO for ${updates} updates of ${cfg.ppo.numSteps} steps (${runDir})`);
  const trained = await train(cfg, { runDir, resume: false, reporter });
  reporter.info("7/9 evaluating the best model on the test range against buy & hold, flat, momentum and 100 random policies");
  const evaluated = await evaluateRun({ runDir, model: "best", allowOverlap: false, randomRepeats: 100, momentumBars: 60, bootstrapSamples: 1000, blockBars: 60, seed: 1 });
  reporter.info("8/9 writing the report");
  const report = await buildReport(runDir, evaluated.label);
  return { featuresDir, train: trained, eval: evaluated, reportHtml: report.html };
}
