// `rlt train`: PPO, top to bottom — setup, then per update: rollout, GAE, learn, log, evaluate,
// checkpoint. Metric names follow CleanRL (charts/*, losses/*) plus reward/* for each component.
import { BAR_MS, barCloseMs } from "../core/time.ts";
import { existsSync } from "node:fs";
import path from "node:path";
import { stringify as toYaml } from "yaml";
import { DataError, RltError, UsageError } from "../core/errors.ts";
import { withLock } from "../core/lock.ts";
import type { Reporter } from "../core/log.ts";
import { Rng } from "../core/random.ts";
import { isDiskFull, removeDeadStaging } from "../core/staging.ts";
import { type ArtifactExpectation, type FeatureManifest, expectationFrom } from "../features/artifact.ts";
import { type RolloutState, type TrainerState, checkpointDir, hasCheckpoint, readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import type { TrainConfig } from "./config.ts";
import { type Range, type Splits, type TrainingData, episodeStarts, loadTrainingData, splitByTime } from "./data.ts";
import { TradingEnv } from "./env.ts";
import { replayPolicy } from "../kernel/replay.ts";
import { learnerPolicy } from "./run-policy.ts";
import { computeGae } from "./gae.ts";
import { appendMetricsRow, repairMetrics, replaceFile, startMetrics } from "./metrics-file.ts";
import { readJsonFile } from "./model-io.ts";
import type { Learner } from "./learner.ts";
import { type LearnerSource, openLearner } from "./learners.ts";
import { REWARD_COMPONENTS, rewardScale } from "./reward.ts";
import { RewardNormalizer } from "./reward-normalizer.ts";
import { readRunConfig } from "./run-dir.ts";
import { RUN_FILES } from "./run-files.ts";

export interface TrainOptions {
  runDir: string;
  resume: boolean;
  signal?: AbortSignal;
  reporter: Reporter;
  /** Explicit train / validation / test rows (walk-forward folds); default: the config's fractions. */
  splits?: Splits;
}

export interface TrainResult {
  runDir: string;
  backend: string;
  updates: number;
  globalStep: number;
  bestValidationReturn: number;
  bestUpdate: number;
  stoppedBy: "max-updates" | "early-stopping" | "interrupted";
  stepsPerSecond: number;
}

/** One trainer per run folder: held from reading the checkpoint to writing the final model. */

/**
 * Test-only: SIGKILL this process right after the checkpoint of this update is swapped in, before its
 * metrics row is appended (the crash --resume must repair).
 */
const KILL_AFTER_CHECKPOINT_ENV = "RLT_TEST_KILL_AFTER_CHECKPOINT";

/** Train on the config's feature artifact; a resumed run must find the artifact it was trained on. */
export async function train(cfg: TrainConfig, opts: TrainOptions): Promise<TrainResult> {
  const data = await loadTrainingData(cfg.features, cfg.dataDir, opts.resume ? trainedOnExpectation(opts.runDir) : {});
  return trainOn(cfg, data, opts);
}

/** The artifact a run was trained on, as an expectation the artifact in hand must meet. */
function trainedOnExpectation(runDir: string): ArtifactExpectation {
  const file = path.join(runDir, RUN_FILES.manifest);
  if (!existsSync(file)) return {};
  return expectationFrom(readJsonFile(file, "rlt train wrote it with the run: restore it from a copy, or train a new run (another --name)") as FeatureManifest);
}

export async function trainOn(cfg: TrainConfig, data: TrainingData, opts: TrainOptions): Promise<TrainResult> {
  // ---- setup: splits, environments, learner ----
  const n = data.openTime.length;
  const split = opts.splits ?? splitByTime(n, cfg.training.split.train, cfg.training.split.validation, cfg.training.split.gapBars);
  if (split.train.to - split.train.from <= cfg.env.episodeBars) {
    throw new DataError(`the training range holds ${split.train.to - split.train.from} bars, not more than one ${cfg.env.episodeBars}-bar episode`, { hint: "use more data or shorter episodes (env.episodeBars)" });
  }
  if (!data.funding?.timeMs.length) opts.reporter.warn(`no funding rates for ${data.manifest.symbol}${cfg.dataDir ? ` in ${cfg.dataDir}` : ""}: positions are not charged funding (rlt fetch --kinds funding)`);
  const trainEndMs = barCloseMs(data.openTime[split.train.to - 1]);
  if (data.manifest.trainRange.toMs > trainEndMs + BAR_MS) {
    opts.reporter.warn(`the features' normalization was fitted up to ${new Date(data.manifest.trainRange.toMs).toISOString()}, past the training range's end (${new Date(trainEndMs).toISOString()}): validation and test statistics leak into the inputs; rebuild with rlt features --train-to`);
  }
  const starts = episodeStarts(data.openTime, split.train, cfg.env.episodeBars);
  try {
    // one trainer per run: a second `rlt train --resume` of it waits, then refuses naming this one
    return await withLock(path.join(opts.runDir, RUN_FILES.trainLock), { purpose: `the training run ${opts.runDir}`, onWait: (m) => opts.reporter.warn(m), signal: opts.signal }, async () => {
      const source = await openLearner(cfg.ppo, "train");
      try {
        return await trainLocked(cfg, data, opts, { source, split, starts });
      } finally {
        source.release();
      }
    });
  } catch (err) {
    throw diskFullError(err, opts.runDir);
  }
}

interface Setup {
  source: LearnerSource;
  split: Splits;
  starts: number[];
}

async function trainLocked(cfg: TrainConfig, data: TrainingData, opts: TrainOptions, { source, split, starts }: Setup): Promise<TrainResult> {
  const backend = source.description;
  const n = data.openTime.length;
  // a trainer killed inside the checkpoint's swap left the previous checkpoint aside: put it back
  removeDeadStaging(checkpointDir(opts.runDir));
  const held = hasCheckpoint(opts.runDir);
  if (opts.resume && !held) throw new UsageError(`--resume: ${opts.runDir} has no checkpoint to resume from`);
  if (!opts.resume && held) throw new UsageError(`${opts.runDir} already holds a run`, { hint: "pass --resume to continue it, or choose another --name" });
  const E = cfg.ppo.numEnvs;
  // the environments draw their episode starts from the trainer's one generator
  let rng = new Rng(cfg.seed);
  const scale = rewardScale(data.market.close, split.train, cfg.sim);
  const envs = Array.from({ length: E }, () => new TradingEnv(data, { ...cfg.env, episodeStarts: starts, rewardScale: scale }, cfg.sim, cfg.reward, () => rng.next(), cfg.risk));
  const obsSize = envs[0].obsSize;
  let nextObs = new Float32Array(E * obsSize);
  const epReturn = new Float64Array(E);
  const epComponents = envs.map(() => Object.fromEntries(REWARD_COMPONENTS.map((c) => [c, 0])) as Record<string, number>);
  const metricsFile = path.join(opts.runDir, RUN_FILES.metrics);
  const normalizer = cfg.ppo.normalizeReward ? new RewardNormalizer(E, cfg.ppo.gamma) : undefined;
  let learner: Learner;
  let state: TrainerState;
  if (opts.resume) {
    const ck = await readCheckpoint(opts.runDir, (dir) => source.load(dir, "require"));
    checkFits(ck.rollout, ck.learner.obsSize, E, obsSize, opts.runDir);
    checkSameMeaning(cfg, opts.runDir);
    learner = ck.learner;
    state = ck.trainer;
    if (normalizer) {
      if (!state.rewardNorm) throw new UsageError(`${opts.runDir}/checkpoint was trained without ppo.normalizeReward`, { hint: `resume with the run's own config (${path.join(opts.runDir, RUN_FILES.config)})` });
      normalizer.restore(state.rewardNorm);
    }
    rng = new Rng(state.rngState);
    ck.rollout.envs.forEach((saved, e) => {
      let obs: Float32Array;
      try {
        obs = envs[e].restore(saved.env);
      } catch (err) {
        throw new DataError(`${opts.runDir}/checkpoint/rollout.json: environment ${e} cannot continue on the features in hand: ${(err as Error).message}`, { cause: err, hint: "the feature artifact is not the one the run was trained on, or the checkpoint was changed" });
      }
      if (obs.some((v, j) => !Object.is(v, Math.fround(saved.nextObs[j])))) {
        throw new DataError(`${opts.runDir}/checkpoint: environment ${e}'s pending observation (bar ${saved.env.sim.bar}) differs from the features in hand`, { hint: "the feature artifact is not the one the run was trained on" });
      }
      nextObs.set(saved.nextObs, e * obsSize);
      epReturn[e] = saved.epReturn;
      Object.assign(epComponents[e], saved.epComponents);
    });
    for (const note of repairMetrics(metricsFile, state.update, state.metricsRow)) opts.reporter.warn(`${metricsFile}: ${note}`);
    opts.reporter.info(`resuming ${opts.runDir} after update ${state.update} (${state.globalStep} steps)`);
  } else {
    learner = source.create(obsSize, cfg.seed);
    state = { update: 0, globalStep: 0, rngState: rng.state, bestValidationReturn: -Infinity, bestUpdate: 0, evalsWithoutBest: 0, metricsRow: {} };
    envs.forEach((env, e) => nextObs.set(env.reset(), e * obsSize));
    writeRunFiles(cfg, opts.runDir, source, split, data);
    startMetrics(metricsFile);
  }
  opts.reporter.info(`training on ${backend}: ${n} bars, train ${split.train.to - split.train.from} / validation ${split.validation.to - split.validation.from} / test ${split.test.to - split.test.from}, ${starts.length} episode starts`);

  // ---- rollout buffers (step-major: index = step * numEnvs + env) ----
  const T = cfg.ppo.numSteps / E;
  const obsBuf = new Float32Array(T * E * obsSize);
  const actBuf = new Int32Array(T * E);
  const logpBuf = new Float32Array(T * E);
  const rewBuf = new Float32Array(T * E);
  const doneBuf = new Uint8Array(T * E);
  const valBuf = new Float32Array(T * E);
  let stoppedBy: TrainResult["stoppedBy"] = "max-updates";
  const t0 = Date.now();
  const stepsAtStart = state.globalStep;
  const killAfter = process.env[KILL_AFTER_CHECKPOINT_ENV] ? Number(process.env[KILL_AFTER_CHECKPOINT_ENV]) : undefined;

  while (state.update < cfg.training.maxUpdates) {
    // the update is synchronous compute: let the event loop deliver a pending SIGINT before the next one
    await new Promise((resolve) => setImmediate(resolve));
    if (opts.signal?.aborted) {
      stoppedBy = "interrupted";
      break;
    }
    const updateStart = Date.now();
    const frac = 1 - state.update / cfg.training.maxUpdates;
    const lr = cfg.ppo.annealLr ? frac * cfg.ppo.learningRate : cfg.ppo.learningRate;
    const finished: { ret: number; equity: number; comps: Record<string, number> }[] = [];
    let stepRewardSum = 0;

    // ---- rollout ----
    for (let t = 0; t < T; t++) {
      obsBuf.set(nextObs, t * E * obsSize);
      const { actions, logp, values } = learner.act(nextObs, E, { deterministic: false, random: rng.next });
      const following = new Float32Array(E * obsSize);
      const outs = envs.map((env, e) => env.step(actions[e]));
      const dones = outs.map((o) => (o.terminated || o.truncated ? 1 : 0));
      const rewards = Float64Array.from(outs, (o) => o.reward);
      normalizer?.normalize(rewards, dones);
      for (let e = 0; e < E; e++) {
        const i = t * E + e;
        const out = outs[e];
        actBuf[i] = actions[e];
        logpBuf[i] = logp[e];
        valBuf[i] = values[e];
        let reward = rewards[e];
        epReturn[e] += out.reward;
        stepRewardSum += out.reward;
        for (const c of REWARD_COMPONENTS) epComponents[e][c] += out.components[c];
        if (out.truncated) {
          // time limit, not a terminal state: bootstrap from the value of where the episode stopped
          reward += cfg.ppo.gamma * learner.values(out.obs, 1)[0];
        }
        rewBuf[i] = reward;
        doneBuf[i] = dones[e];
        if (doneBuf[i]) {
          finished.push({ ret: epReturn[e], equity: out.equityUsdt, comps: { ...epComponents[e] } });
          epReturn[e] = 0;
          for (const c of REWARD_COMPONENTS) epComponents[e][c] = 0;
          following.set(envs[e].reset(), e * obsSize);
        } else following.set(out.obs, e * obsSize);
      }
      nextObs = following;
      state.globalStep += E;
    }

    // ---- GAE ----
    const { advantages, returns } = computeGae(rewBuf, valBuf, doneBuf, learner.values(nextObs, E), T, E, cfg.ppo.gamma, cfg.ppo.gaeLambda);

    // ---- learn ----
    const stats = learner.update({ obs: obsBuf, actions: actBuf, logp: logpBuf, advantages, returns, values: valBuf }, T * E, lr, rng.next);
    state.update++;

    // ---- log ----
    const sps = (T * E) / ((Date.now() - updateStart) / 1000);
    const row: Record<string, number> = {
      update: state.update,
      global_step: state.globalStep,
      "charts/learning_rate": lr,
      "charts/episodic_return": mean(finished.map((f) => f.ret)),
      "charts/step_reward": stepRewardSum / (T * E),
      "charts/episodic_equity": mean(finished.map((f) => f.equity)),
      "charts/sps": sps,
      "losses/policy_loss": stats.policyLoss,
      "losses/value_loss": stats.valueLoss,
      "losses/entropy": stats.entropy,
      "losses/approx_kl": stats.approxKl,
      "losses/clipfrac": stats.clipFrac,
      "losses/explained_variance": explainedVariance(valBuf, returns),
      "losses/epochs": stats.epochs,
    };
    for (const c of REWARD_COMPONENTS) row[`reward/${c}`] = mean(finished.map((f) => f.comps[c]));

    // ---- evaluate on validation, keep the best, stop early ----
    if (state.update % cfg.training.evalEvery === 0 || state.update === cfg.training.maxUpdates) {
      const val = replayPolicy(learnerPolicy(learner, cfg.env.obsClip), cfg.env.actions, data, split.validation, cfg.sim, cfg.env.positionInObs, cfg.risk);
      row["val/total_return"] = val.totalReturn;
      row["val/sharpe"] = val.sharpe;
      if (val.totalReturn > state.bestValidationReturn) {
        state.bestValidationReturn = val.totalReturn;
        state.bestUpdate = state.update;
        state.evalsWithoutBest = 0;
        await learner.save(path.join(opts.runDir, RUN_FILES.bestModel));
      } else state.evalsWithoutBest++;
    }
    // ---- checkpoint, then the metrics row that refers to it ----
    state.rngState = rng.state;
    state.metricsRow = row;
    if (normalizer) state.rewardNorm = normalizer.snapshot();
    await writeCheckpoint(opts.runDir, state, rolloutState(envs, nextObs, obsSize, epReturn, epComponents), (dir) => learner.writeTo(dir));
    if (killAfter === state.update) process.kill(process.pid, "SIGKILL");
    appendMetricsRow(metricsFile, row);
    opts.reporter.progress("train", state.update, cfg.training.maxUpdates, `${sps.toFixed(0)} steps/s, reward/step ${fmt(row["charts/step_reward"])}, ep return ${fmt(row["charts/episodic_return"])}, kl ${fmt(stats.approxKl)}${row["val/total_return"] !== undefined ? `, val ${(100 * row["val/total_return"]).toFixed(2)} %` : ""}`);
    if (cfg.training.earlyStopPatience > 0 && state.evalsWithoutBest >= cfg.training.earlyStopPatience) {
      stoppedBy = "early-stopping";
      break;
    }
  }
  opts.reporter.done("train");
  await learner.save(path.join(opts.runDir, RUN_FILES.finalModel));
  replaceFile(path.join(opts.runDir, RUN_FILES.weightsHash), `${learner.weightsHash()}\n`, "the weights hash");
  const seconds = (Date.now() - t0) / 1000;
  return {
    runDir: opts.runDir,
    backend,
    updates: state.update,
    globalStep: state.globalStep,
    bestValidationReturn: state.bestValidationReturn,
    bestUpdate: state.bestUpdate,
    stoppedBy,
    stepsPerSecond: (state.globalStep - stepsAtStart) / Math.max(seconds, 1e-9),
  };
}

/** The run's own copy of what it was trained on; evaluation and resume check against it. */

function writeRunFiles(cfg: TrainConfig, runDir: string, source: LearnerSource, split: Splits, data: TrainingData): void {
  const t = data.openTime;
  // the ranges in time too: evaluation on another artifact compares times, not row numbers
  const ms = (r: Range) => ({ fromMs: t[r.from], toMs: barCloseMs(t[r.to - 1]) });
  const splitMs = { train: ms(split.train), validation: ms(split.validation), test: ms(split.test) };
  replaceFile(path.join(runDir, RUN_FILES.config), toYaml(cfg), "the run's config");
  replaceFile(path.join(runDir, RUN_FILES.info), JSON.stringify({ symbol: data.manifest.symbol, backend: source.description, learner: source.learner, ...(source.threads ? { threads: source.threads } : {}), split, splitMs, features: path.resolve(cfg.features), createdAt: new Date().toISOString() }, null, 2), "run.json");
  // the feature manifest (definitions, normalization) the model is trained on travels with the run
  replaceFile(path.join(runDir, RUN_FILES.manifest), `${JSON.stringify(data.manifest, null, 2)}\n`, "the run's feature manifest");
}

/** Every environment between two updates, with its pending observation and unfinished episode. */
function rolloutState(envs: TradingEnv[], nextObs: Float32Array, obsSize: number, epReturn: Float64Array, epComponents: Record<string, number>[]): RolloutState {
  return {
    envs: envs.map((env, e) => ({ env: env.snapshot(), nextObs: Array.from(nextObs.subarray(e * obsSize, (e + 1) * obsSize)), epReturn: epReturn[e], epComponents: { ...epComponents[e] } })),
  };
}

/** A checkpoint continues only the rollout it was taken from: as many environments, observations of one size. */
function checkFits(rollout: RolloutState, learnerObsSize: number, numEnvs: number, obsSize: number, runDir: string): void {
  const hint = `resume with the run's own config (${path.join(runDir, RUN_FILES.config)}); only training.maxUpdates may change`;
  if (rollout.envs.length !== numEnvs) throw new UsageError(`${runDir}/checkpoint holds ${rollout.envs.length} environments, the config asks for ppo.numEnvs ${numEnvs}`, { hint });
  const sizes = new Set([learnerObsSize, ...rollout.envs.map((r) => r.nextObs.length)]);
  if (sizes.size !== 1 || !sizes.has(obsSize)) throw new UsageError(`${runDir}/checkpoint was trained on observations of ${[...sizes].join(" / ")} inputs, the config gives ${obsSize} (env.positionInObs)`, { hint });
}

/**
 * A resumed run keeps what its actions, inputs and reward mean: a config that changes them (or an
 * older run resumed with today's defaults for keys its config.yaml lacks) would train a different agent
 * under the same name.
 */
function checkSameMeaning(cfg: TrainConfig, runDir: string): void {
  const file = path.join(runDir, RUN_FILES.config);
  if (!existsSync(file)) return;
  const saved = readRunConfig(runDir);
  const meaning = (c: TrainConfig) => ({ env: c.env, reward: c.reward, normalizeReward: c.ppo.normalizeReward, clipValueLoss: c.ppo.clipValueLoss });
  const a = meaning(saved);
  const b = meaning(cfg);
  const differs = (Object.keys(a) as (keyof typeof a)[]).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  if (differs.length) throw new UsageError(`--resume: the config changes the run's ${differs.join(", ")} (${runDir} was trained with ${differs.map((k) => `${k} ${JSON.stringify(a[k])}`).join("; ")})`, { hint: `resume with the run's own config (${file}); only training.* may change` });
}

/** A full disk anywhere in a run is an operational error that says what to do, never a stack trace. */
function diskFullError(err: unknown, runDir: string): unknown {
  if (!isDiskFull(err)) return err;
  const message = err instanceof RltError ? err.message : `no space left on the device while writing the training run ${runDir}`;
  return new RltError(message, { cause: err, hint: `free space on that filesystem, then continue with rlt train --resume: the last complete checkpoint (${runDir}/checkpoint) is intact` });
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

function explainedVariance(values: Float32Array, returns: Float32Array): number {
  const m = mean(Array.from(returns));
  let varY = 0;
  let varD = 0;
  const diffs = Array.from(returns, (r, i) => r - values[i]);
  const md = mean(diffs);
  for (let i = 0; i < returns.length; i++) {
    varY += (returns[i] - m) ** 2;
    varD += (diffs[i] - md) ** 2;
  }
  return varY === 0 ? Number.NaN : 1 - varD / varY;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(3) : "—";
}
