// Where everything lives in the kernels' one memory: the parameters of both networks as one flat
// vector in TF.js's variable order (policy then value; per layer kernel then bias) with Adam's moments
// and one gradient vector per thread in the same layout, each layer's transposed kernel, and per thread
// its activations, deltas, loss-head scratch and job. src/rl/wasm/learner.ts reads and writes it through
// typed-array views; kernels/mlp.ts reads the descriptors written here.

/** Below this the module's own static data (its math tables) lives. */
const BASE = 65536;
const PAGE = 65536;
/** Rows of one inference chunk: replays and batched decisions go through in pieces of this size. */
export const INFER_ROWS = 256;
/** Words of a job descriptor (kernels/mlp.ts ppoGrad). */
const JOB_WORDS = 19;

export interface NetLayout {
  /** Widths d0 … dL. */
  dims: number[];
  /** Float offsets within the flat parameter vector, per layer. */
  weight: number[];
  bias: number[];
}

export interface ThreadLayout {
  /** Byte offsets of this thread's policy and value descriptors, job, stats (5 f64) and gradient vector. */
  policyNet: number;
  valueNet: number;
  job: number;
  stats: number;
  grad: number;
  dLogits: number;
  dValue: number;
  /** The most rows this thread's scratch takes at once. */
  rows: number;
  /** The descriptors' words (kernels/mlp.ts), written into the memory by writeDescriptors. */
  descriptors: { at: number; words: number[] }[];
}

export interface Layout {
  pages: number;
  /** Parameters in the flat vector (both networks), and its padded length. */
  params: number;
  policy: NetLayout;
  value: NetLayout;
  /** Byte offsets of the flat vectors. */
  theta: number;
  adamM: number;
  adamV: number;
  threads: ThreadLayout[];
  /** The minibatch (or an inference chunk): observations, actions, old log-probabilities, advantages, returns, old values. */
  x: number;
  actions: number;
  oldLogp: number;
  adv: number;
  ret: number;
  oldValues: number;
  /** Rows the minibatch buffers hold. */
  batchRows: number;
  /** Worker control words (Int32): generation, stop, then one done word per thread. */
  control: number;
}

function netLayout(dims: number[], start: number): { net: NetLayout; end: number } {
  const weight: number[] = [];
  const bias: number[] = [];
  let at = start;
  for (let l = 0; l + 1 < dims.length; l++) {
    weight.push(at);
    at += dims[l] * dims[l + 1];
    bias.push(at);
    at += dims[l + 1];
  }
  return { net: { dims, weight, bias }, end: at };
}

class Allocator {
  at = BASE;
  take(bytes: number): number {
    const p = this.at;
    this.at += Math.ceil(bytes / 16) * 16;
    return p;
  }
}

/**
 * The layout for networks obs → hidden… → actions and obs → hidden… → 1, minibatches of up to
 * `minibatch` rows split over `threads` threads.
 */
export function planLayout(obsSize: number, hidden: number[], actions: number, minibatch: number, threads: number): Layout {
  const policyDims = [obsSize, ...hidden, actions];
  const valueDims = [obsSize, ...hidden, 1];
  const p = netLayout(policyDims, 0);
  const v = netLayout(valueDims, p.end);
  const params = v.end;
  const padded = Math.ceil(params / 4) * 4;
  const alloc = new Allocator();
  const theta = alloc.take(4 * padded);
  const adamM = alloc.take(4 * padded);
  const adamV = alloc.take(4 * padded);
  // the transposed kernels, shared: refreshed after every Adam step, read by every thread's backward pass
  const transposes = (net: NetLayout) => net.dims.slice(0, -1).map((d, l) => (l === 0 ? 0 : alloc.take(4 * d * net.dims[l + 1])));
  const policyT = transposes(p.net);
  const valueT = transposes(v.net);
  const batchRows = Math.max(minibatch, INFER_ROWS);
  const x = alloc.take(4 * batchRows * obsSize);
  const actionsAt = alloc.take(4 * batchRows);
  const oldLogp = alloc.take(4 * batchRows);
  const adv = alloc.take(4 * batchRows);
  const ret = alloc.take(4 * batchRows);
  const oldValues = alloc.take(4 * batchRows);
  const control = alloc.take(4 * (2 + threads));
  const widest = Math.max(...policyDims, ...valueDims);
  const threadLayouts: ThreadLayout[] = [];
  for (let t = 0; t < threads; t++) {
    // thread 0 also runs inference chunks; every thread at most its share of a minibatch
    const rows = t === 0 ? batchRows : Math.ceil(minibatch / threads);
    const grad = alloc.take(4 * padded);
    const descriptor = (net: NetLayout, transposed: number[], gradBase: number) => {
      const L = net.dims.length - 1;
      const words: number[] = [L, ...net.dims];
      for (let l = 0; l < L; l++) {
        const out = alloc.take(4 * rows * net.dims[l + 1]);
        words.push(theta + 4 * net.weight[l], theta + 4 * net.bias[l], transposed[l], gradBase + 4 * net.weight[l], gradBase + 4 * net.bias[l], out);
      }
      words.push(alloc.take(4 * rows * widest), alloc.take(4 * rows * widest));
      return { at: alloc.take(4 * words.length), words };
    };
    const pd = descriptor(p.net, policyT, grad);
    const vd = descriptor(v.net, valueT, grad);
    threadLayouts.push({ policyNet: pd.at, valueNet: vd.at, job: alloc.take(4 * JOB_WORDS), stats: alloc.take(8 * 5), grad, dLogits: alloc.take(4 * rows * actions), dValue: alloc.take(4 * rows), rows, descriptors: [pd, vd] });
  }
  return { pages: Math.ceil(alloc.at / PAGE), params, policy: p.net, value: v.net, theta, adamM, adamV, threads: threadLayouts, x, actions: actionsAt, oldLogp, adv, ret, oldValues, batchRows, control };
}

/** Write every thread's network descriptors into the memory. */
export function writeDescriptors(layout: Layout, memory: WebAssembly.Memory): void {
  const i32 = new Int32Array(memory.buffer);
  for (const t of layout.threads) {
    for (const d of t.descriptors) i32.set(d.words, d.at / 4);
  }
}
