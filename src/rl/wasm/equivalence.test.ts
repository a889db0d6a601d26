// The wasm-simd learner computes what the TF.js learner computes: from the same initial weights (one
// learner's files loaded by the other) and the same batch, the same actions and log-probabilities, the
// same losses and gradients, and the same weights and Adam moments after a minibatch step and after full
// 10-epoch updates (target-KL stop on and off, gradient clip on and off, value-loss clipping on and
// off), per tensor within max |a − b| ≤ 1e-5 × max |a| + 1e-7.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng, gaussian } from "../../core/random.ts";
import { loadTf } from "../backend.ts";
import { type Batch, type PpoConfig, PpoConfigSchema } from "../learner.ts";
import { readOptimizerFiles } from "../optimizer-files.ts";
import { TfPpoLearner } from "../ppo.ts";
import { readDenseNet } from "./layers-files.ts";
import { WasmPpoLearner } from "./learner.ts";

const OBS = 33;
const N = 256;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rlt-equivalence-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Asserts the tolerance; returns the share of it the worst element used. */
function expectClose(what: string, a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length, what).toBe(a.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  const tolerance = 1e-5 * scale + 1e-7;
  expect(diff, `${what}: max |a − b| ${diff.toExponential(2)} against ${tolerance.toExponential(2)}`).toBeLessThanOrEqual(tolerance);
  return diff / tolerance;
}

/**
 * A batch as a rollout gives one: observations, the TF.js policy's sampled actions and log-probabilities,
 * advantages and returns. With `valueNoise`, the rollout's values are moved off the current ones by that
 * standard deviation (from a stream of their own, so the rest of the batch stays as without).
 */
function makeBatch(tfLearner: TfPpoLearner, seed: number, valueNoise = 0): Batch {
  const rng = new Rng(seed);
  const obs = Float32Array.from({ length: N * OBS }, () => gaussian(rng.next));
  const { actions, logp, values } = tfLearner.act(obs, N, { deterministic: false, random: rng.next });
  // old log-probabilities a little off the current policy's, so ratios move and some clip
  const oldLogp = logp.map((l) => l + 0.15 * gaussian(rng.next));
  const noise = new Rng(seed + 1000);
  const oldValues = valueNoise ? values.map((v) => v + valueNoise * gaussian(noise.next)) : values;
  return { obs, actions, logp: oldLogp, advantages: Float32Array.from({ length: N }, () => gaussian(rng.next)), returns: Float32Array.from({ length: N }, () => 0.5 * gaussian(rng.next)), values: oldValues };
}

/** Rows whose new value lies more than clipCoef from the rollout's (where value-loss clipping bites). */
function clippedValueShare(batch: Batch, current: Float32Array, clipCoef: number): number {
  return current.filter((v, i) => Math.abs(v - batch.values[i]) > clipCoef).length / current.length;
}

/** Value-loss clipping's batches: old values ≈ 0.4 sd off the current ones, so about 60 % of rows clip. */
const VALUE_NOISE = 0.4;

/** Both learners from one set of initial weights: TF.js creates them, the wasm learner loads its files. */
async function pair(cfg: PpoConfig, name: string) {
  const { tf } = await loadTf();
  const tfLearner = TfPpoLearner.create(tf, { ...cfg, learner: "tfjs" }, OBS, 5);
  await tfLearner.save(path.join(dir, name));
  const wasm = await WasmPpoLearner.load(cfg, path.join(dir, name), { optimizer: "require", threads: 1 });
  return { tfLearner, wasm };
}

/** Every weight and Adam moment of both learners after the same training, tensor by tensor. */
async function expectSameState(tfLearner: TfPpoLearner, wasm: WasmPpoLearner, name: string): Promise<number> {
  await tfLearner.save(path.join(dir, `${name}-tf`));
  await wasm.save(path.join(dir, `${name}-wasm`));
  let worst = 0;
  for (const net of ["policy", "value"]) {
    const a = readDenseNet(path.join(dir, `${name}-tf`, net));
    const b = readDenseNet(path.join(dir, `${name}-wasm`, net));
    a.kernels.forEach((k, l) => (worst = Math.max(worst, expectClose(`${name} ${net} kernel ${l}`, k, b.kernels[l]))));
    a.biases.forEach((k, l) => (worst = Math.max(worst, expectClose(`${name} ${net} bias ${l}`, k, b.biases[l]))));
  }
  const tfState = readOptimizerFiles(path.join(dir, `${name}-tf`), true, momentShapes(path.join(dir, `${name}-tf`)))!;
  const wasmState = readOptimizerFiles(path.join(dir, `${name}-wasm`), true, momentShapes(path.join(dir, `${name}-wasm`)))!;
  expect(wasmState.iterations).toBe(tfState.iterations);
  expect(wasmState.accBeta1).toBe(tfState.accBeta1);
  expect(wasmState.accBeta2).toBe(tfState.accBeta2);
  expect(wasmState.moments.map((m) => m.name)).toEqual(tfState.moments.map((m) => m.name));
  tfState.moments.forEach((m, i) => expectClose(`${name} ${m.name}`, m.values, wasmState.moments[i].values));
  return worst;
}

function momentShapes(d: string): number[][] {
  return ["policy", "value"].flatMap((net) => {
    const n = readDenseNet(path.join(d, net));
    return n.kernels.flatMap((_, l) => [[n.dims[l], n.dims[l + 1]], [n.dims[l + 1]]]);
  });
}

describe("the wasm-simd learner against the TF.js learner", () => {
  it("gives the same probabilities, values, greedy actions and sampled actions with their log-probabilities", async () => {
    const cfg = PpoConfigSchema.parse({});
    const { tfLearner, wasm } = await pair(cfg, "act");
    const batch = makeBatch(tfLearner, 11);
    expectClose("probabilities", tfLearner.probabilities(batch.obs, N), wasm.probabilities(batch.obs, N));
    expectClose("values", tfLearner.values(batch.obs, N), wasm.values(batch.obs, N));
    expect(Array.from(wasm.greedy(batch.obs, N))).toEqual(Array.from(tfLearner.greedy(batch.obs, N)));
    const a = tfLearner.act(batch.obs, N, { deterministic: false, random: new Rng(3).next });
    const b = wasm.act(batch.obs, N, { deterministic: false, random: new Rng(3).next });
    expect(Array.from(b.actions)).toEqual(Array.from(a.actions));
    expectClose("log-probabilities", a.logp, b.logp);
    expectClose("act values", a.values, b.values);
    wasm.close();
  });

  it("gives the same losses and gradients on a minibatch", async () => {
    const cfg = PpoConfigSchema.parse({});
    const { tfLearner, wasm } = await pair(cfg, "grads");
    const batch = makeBatch(tfLearner, 12);
    const rows = Array.from({ length: 64 }, (_, i) => (i * 37) % N);
    const a = tfLearner.gradients(batch, rows);
    const b = wasm.gradients(batch, rows);
    expect(a.stats[4], "some ratios clip").toBeGreaterThan(0);
    a.stats.forEach((s, i) => expect(Math.abs(s - b.stats[i]), `stat ${i}: ${s} vs ${b.stats[i]}`).toBeLessThanOrEqual(1e-5 * Math.abs(s) + 1e-7));
    // per tensor, in the variables' order
    let at = 0;
    for (const shape of momentShapes(path.join(dir, "grads"))) {
      const size = shape.reduce((x, y) => x * y, 1);
      expectClose(`gradient ${shape.join("×")} at ${at}`, a.grads.subarray(at, at + size), b.grads.subarray(at, at + size));
      at += size;
    }
    expect(at).toBe(a.grads.length);
    wasm.close();
  });

  it("gives the same losses and gradients on a minibatch with value-loss clipping, which changes them", async () => {
    const cfg = PpoConfigSchema.parse({ clipValueLoss: true });
    const { tfLearner, wasm } = await pair(cfg, "grads-vclip");
    const batch = makeBatch(tfLearner, 12, VALUE_NOISE);
    const share = clippedValueShare(batch, tfLearner.values(batch.obs, N), cfg.clipCoef);
    expect(share, "a share of rows clip").toBeGreaterThan(0.4);
    expect(share, "and a share do not").toBeLessThan(0.8);
    const rows = Array.from({ length: 64 }, (_, i) => (i * 37) % N);
    const a = tfLearner.gradients(batch, rows);
    const b = wasm.gradients(batch, rows);
    a.stats.forEach((s, i) => expect(Math.abs(s - b.stats[i]), `stat ${i}: ${s} vs ${b.stats[i]}`).toBeLessThanOrEqual(1e-5 * Math.abs(s) + 1e-7));
    let at = 0;
    for (const shape of momentShapes(path.join(dir, "grads-vclip"))) {
      const size = shape.reduce((x, y) => x * y, 1);
      expectClose(`gradient ${shape.join("×")} at ${at}`, a.grads.subarray(at, at + size), b.grads.subarray(at, at + size));
      at += size;
    }
    // the same minibatch without clipping: a smaller value loss, other value gradients, the same policy ones
    const off = await pair(PpoConfigSchema.parse({}), "grads-vclip-off");
    const c = off.tfLearner.gradients(batch, rows);
    expect(a.stats[1], "clipped value loss ≥ unclipped").toBeGreaterThan(c.stats[1] * 1.05);
    const policyParams = momentShapes(path.join(dir, "grads-vclip")).slice(0, 2 * (cfg.hidden.length + 1)).reduce((n, s) => n + s.reduce((x, y) => x * y, 1), 0);
    expectClose("policy gradients unchanged by value clipping", c.grads.subarray(0, policyParams), a.grads.subarray(0, policyParams));
    expect(Math.abs(a.grads.at(-1)! - c.grads.at(-1)!), "the value head's bias gradient moves").toBeGreaterThan(1e-3);
    wasm.close();
    off.wasm.close();
  });

  it("takes the same minibatch step with value-loss clipping", async () => {
    const cfg = PpoConfigSchema.parse({ numSteps: 64, minibatchSize: 64, updateEpochs: 1, clipValueLoss: true });
    const { tfLearner, wasm } = await pair(cfg, "step-vclip");
    const batch = makeBatch(tfLearner, 13, VALUE_NOISE);
    const sa = tfLearner.update(batch, 64, 3e-4, new Rng(1).next);
    const sb = wasm.update(batch, 64, 3e-4, new Rng(1).next);
    expect(Math.abs(sa.valueLoss - sb.valueLoss), `value loss ${sa.valueLoss} vs ${sb.valueLoss}`).toBeLessThanOrEqual(1e-5 * Math.abs(sa.valueLoss) + 1e-7);
    await expectSameState(tfLearner, wasm, "step-vclip");
    wasm.close();
  });

  it("takes the same minibatch step", async () => {
    const cfg = PpoConfigSchema.parse({ numSteps: 64, minibatchSize: 64, updateEpochs: 1 });
    const { tfLearner, wasm } = await pair(cfg, "step");
    const batch = makeBatch(tfLearner, 13);
    const sa = tfLearner.update(batch, 64, 3e-4, new Rng(1).next);
    const sb = wasm.update(batch, 64, 3e-4, new Rng(1).next);
    expect(sb.epochs).toBe(sa.epochs);
    await expectSameState(tfLearner, wasm, "step");
    wasm.close();
  });

  for (const [label, overrides] of [
    ["clipped gradients, no target-KL stop", {}],
    ["unclipped gradients", { maxGradNorm: 1e9 }],
    ["the target-KL stop", { targetKl: 0.002 }],
    ["value-loss clipping", { clipValueLoss: true }],
  ] as const) {
    it(`takes the same full 10-epoch update with ${label}`, async () => {
      const cfg = PpoConfigSchema.parse({ numSteps: N, ...overrides });
      const { tfLearner, wasm } = await pair(cfg, label.replace(/\W+/g, "-"));
      const batch = makeBatch(tfLearner, 14, cfg.clipValueLoss ? VALUE_NOISE : 0);
      const sa = tfLearner.update(batch, N, 3e-4, new Rng(2).next);
      const sb = wasm.update(batch, N, 3e-4, new Rng(2).next);
      expect(sb.epochs).toBe(sa.epochs);
      if ("targetKl" in overrides) expect(sa.epochs, "the stop cut the epochs").toBeLessThan(10);
      else expect(sa.epochs).toBe(10);
      for (const k of ["policyLoss", "valueLoss", "entropy", "approxKl"] as const) expect(Math.abs(sa[k] - sb[k]), `${k}: ${sa[k]} vs ${sb[k]}`).toBeLessThanOrEqual(1e-5 * Math.abs(sa[k]) + 1e-7);
      const worst = await expectSameState(tfLearner, wasm, label.replace(/\W+/g, "-"));
      console.log(`${label}: the worst weight used ${(100 * worst).toFixed(1)} % of the tolerance`);
      wasm.close();
    });
  }

  it("moves Adam state both ways: a learner loaded from the other's files takes the same next step", async () => {
    const cfg = PpoConfigSchema.parse({ numSteps: 64, minibatchSize: 64, updateEpochs: 2 });
    const { tf } = await loadTf();
    const { tfLearner, wasm } = await pair(cfg, "adam");
    const first = makeBatch(tfLearner, 15);
    tfLearner.update(first, 64, 3e-4, new Rng(4).next);
    wasm.update(first, 64, 3e-4, new Rng(4).next);
    await tfLearner.save(path.join(dir, "adam-from-tf"));
    await wasm.save(path.join(dir, "adam-from-wasm"));
    const wasmFromTf = await WasmPpoLearner.load(cfg, path.join(dir, "adam-from-tf"), { optimizer: "require", threads: 1 });
    const tfFromWasm = await TfPpoLearner.load(tf, { ...cfg, learner: "tfjs" }, path.join(dir, "adam-from-wasm"), { optimizer: "require" });
    const second = makeBatch(tfLearner, 16);
    for (const l of [tfLearner, wasm, wasmFromTf, tfFromWasm]) l.update(second, 64, 2e-4, new Rng(5).next);
    await expectSameState(tfLearner, wasmFromTf, "adam-tf-to-wasm");
    await expectSameState(tfFromWasm, wasm, "adam-wasm-to-tf");
    wasm.close();
    wasmFromTf.close();
  });

  it("splits the gradient over two threads: the same update as one thread, and the same hash on every run", async () => {
    const cfg = PpoConfigSchema.parse({ numSteps: N });
    const { tfLearner } = await pair(cfg, "threads");
    const batch = makeBatch(tfLearner, 17);
    const [one, two, twoAgain] = await Promise.all([1, 2, 2].map((threads) => WasmPpoLearner.load(cfg, path.join(dir, "threads"), { optimizer: "require", threads })));
    for (const l of [one, two, twoAgain]) l.update(batch, N, 3e-4, new Rng(6).next);
    expect(two.weightsHash()).toBe(twoAgain.weightsHash());
    await one.save(path.join(dir, "threads-1"));
    await two.save(path.join(dir, "threads-2"));
    for (const net of ["policy", "value"]) {
      const a = readDenseNet(path.join(dir, "threads-1", net));
      const b = readDenseNet(path.join(dir, "threads-2", net));
      a.kernels.forEach((k, l) => expectClose(`${net} kernel ${l}`, k, b.kernels[l]));
    }
    for (const l of [one, two, twoAgain]) l.close();
  });
});
