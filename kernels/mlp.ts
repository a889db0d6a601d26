// Fused float32 kernels for the PPO learner (src/rl/wasm/): the policy and value MLPs' forward and
// backward passes, the PPO loss head, the gradient norm and the Adam step, over one linear memory that
// the JavaScript side lays out (src/rl/wasm/layout.ts). Every pointer is a byte offset into it and every
// matrix is row-major float32, as TF.js keeps a Dense kernel ([inputs, units]).
//
// AssemblyScript compiled with 128-bit SIMD (npm run build:kernels). Nothing here allocates: the memory
// may be shared with gradient workers (one instance per thread over the same memory), each of which
// works only inside the buffers its job descriptor names.

// ---------------------------------------------------------------------------------------------
// tanh: Eigen's rational approximation of float tanh (the one TensorFlow's CPU kernels use), within
// about 5 ulp of the exact value; clamped where tanh is 1 in float32, and x itself for tiny x.

const TANH_CLAMP: f32 = 7.90531110763549805;
const A1: f32 = 4.89352455891786e-3;
const A3: f32 = 6.37261928875436e-4;
const A5: f32 = 1.48572235717979e-5;
const A7: f32 = 5.12229709037114e-8;
const A9: f32 = -8.60467152213735e-11;
const A11: f32 = 2.00018790482477e-13;
const A13: f32 = -2.76076847742355e-16;
const B0: f32 = 4.89352518554385e-3;
const B2: f32 = 2.268434632439e-3;
const B4: f32 = 1.18534705686654e-4;
const B6: f32 = 1.19825839466702e-6;
const TINY: f32 = 0.0004;

@inline function tanh4(x0: v128): v128 {
  const x = f32x4.max(f32x4.min(x0, f32x4.splat(TANH_CLAMP)), f32x4.splat(-TANH_CLAMP));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(x2, f32x4.splat(A13)), f32x4.splat(A11));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A9));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A7));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A5));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A3));
  p = f32x4.add(f32x4.mul(x2, p), f32x4.splat(A1));
  p = f32x4.mul(x, p);
  let q = f32x4.add(f32x4.mul(x2, f32x4.splat(B6)), f32x4.splat(B4));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(B2));
  q = f32x4.add(f32x4.mul(x2, q), f32x4.splat(B0));
  const tiny = f32x4.lt(f32x4.abs(x0), f32x4.splat(TINY));
  return v128.bitselect(x0, f32x4.div(p, q), tiny);
}

@inline function tanh1(x0: f32): f32 {
  const x = max(min(x0, TANH_CLAMP), -TANH_CLAMP);
  const x2 = x * x;
  let p = x2 * A13 + A11;
  p = x2 * p + A9;
  p = x2 * p + A7;
  p = x2 * p + A5;
  p = x2 * p + A3;
  p = x2 * p + A1;
  p = x * p;
  let q = x2 * B6 + B4;
  q = x2 * q + B2;
  q = x2 * q + B0;
  return abs(x0) < TINY ? x0 : p / q;
}

/** tanh over n floats in place (for the test against Math.tanh). */
export function tanhInPlace(x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), tanh4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), tanh1(load<f32>(x + (<usize>i << 2))));
}

// ---------------------------------------------------------------------------------------------
// C = A·B, with A addressed by strides (so that Hᵀ needs no copy), B and C row-major, and an epilogue:

/** C = A·B */
const EPI_STORE = 0;
/** C = tanh(A·B + bias) */
const EPI_BIAS_TANH = 1;
/** C = A·B + bias */
const EPI_BIAS = 2;
/** C = (A·B) ⊙ (1 − H²), H of C's shape: the gradient through a tanh layer whose output is H */
const EPI_DTANH = 3;

@inline function epilogue4(acc: v128, mode: i32, extra: usize, col: i32, cAt: usize): v128 {
  if (mode == EPI_BIAS_TANH) return tanh4(f32x4.add(acc, v128.load(extra + (<usize>col << 2))));
  if (mode == EPI_BIAS) return f32x4.add(acc, v128.load(extra + (<usize>col << 2)));
  if (mode == EPI_DTANH) {
    const h = v128.load(cAt + extra);
    return f32x4.mul(acc, f32x4.sub(f32x4.splat(1), f32x4.mul(h, h)));
  }
  return acc;
}

@inline function epilogue1(acc: f32, mode: i32, extra: usize, col: i32, cAt: usize): f32 {
  if (mode == EPI_BIAS_TANH) return tanh1(acc + load<f32>(extra + (<usize>col << 2)));
  if (mode == EPI_BIAS) return acc + load<f32>(extra + (<usize>col << 2));
  if (mode == EPI_DTANH) {
    const h = load<f32>(cAt + extra);
    return acc * (1 - h * h);
  }
  return acc;
}

/**
 * C (M×N, row stride N) = A (M×K: element (i, p) at a + i·aRow + p·aCol bytes) · B (K×N, row stride N),
 * then the epilogue. For EPI_DTANH `extra` is H's offset from C (H has C's layout); for the bias modes
 * it is the bias vector.
 */
export function gemm(a: usize, aRow: usize, aCol: usize, b: usize, c: usize, m: i32, k: i32, n: i32, mode: i32, extra: usize): void {
  const bRow = <usize>n << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * aRow;
    const a1 = a0 + aRow;
    const a2 = a1 + aRow;
    const a3 = a2 + aRow;
    const c0 = c + <usize>i * bRow;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      let off: usize = 0;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        let s = f32x4.splat(load<f32>(a0 + off));
        s00 = f32x4.add(s00, f32x4.mul(s, b0));
        s01 = f32x4.add(s01, f32x4.mul(s, b1));
        s = f32x4.splat(load<f32>(a1 + off));
        s10 = f32x4.add(s10, f32x4.mul(s, b0));
        s11 = f32x4.add(s11, f32x4.mul(s, b1));
        s = f32x4.splat(load<f32>(a2 + off));
        s20 = f32x4.add(s20, f32x4.mul(s, b0));
        s21 = f32x4.add(s21, f32x4.mul(s, b1));
        s = f32x4.splat(load<f32>(a3 + off));
        s30 = f32x4.add(s30, f32x4.mul(s, b0));
        s31 = f32x4.add(s31, f32x4.mul(s, b1));
        bp += bRow;
        off += aCol;
      }
      const at0 = c0 + (<usize>j << 2);
      const at1 = at0 + bRow;
      const at2 = at1 + bRow;
      const at3 = at2 + bRow;
      v128.store(at0, epilogue4(s00, mode, extra, j, at0));
      v128.store(at0, epilogue4(s01, mode, extra, j + 4, at0 + 16), 16);
      v128.store(at1, epilogue4(s10, mode, extra, j, at1));
      v128.store(at1, epilogue4(s11, mode, extra, j + 4, at1 + 16), 16);
      v128.store(at2, epilogue4(s20, mode, extra, j, at2));
      v128.store(at2, epilogue4(s21, mode, extra, j + 4, at2 + 16), 16);
      v128.store(at3, epilogue4(s30, mode, extra, j, at3));
      v128.store(at3, epilogue4(s31, mode, extra, j + 4, at3 + 16), 16);
    }
    for (; j + 4 <= n; j += 4) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      let off: usize = 0;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp);
        s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(a0 + off)), b0));
        s1 = f32x4.add(s1, f32x4.mul(f32x4.splat(load<f32>(a1 + off)), b0));
        s2 = f32x4.add(s2, f32x4.mul(f32x4.splat(load<f32>(a2 + off)), b0));
        s3 = f32x4.add(s3, f32x4.mul(f32x4.splat(load<f32>(a3 + off)), b0));
        bp += bRow;
        off += aCol;
      }
      const at0 = c0 + (<usize>j << 2);
      v128.store(at0, epilogue4(s0, mode, extra, j, at0));
      v128.store(at0 + bRow, epilogue4(s1, mode, extra, j, at0 + bRow));
      v128.store(at0 + 2 * bRow, epilogue4(s2, mode, extra, j, at0 + 2 * bRow));
      v128.store(at0 + 3 * bRow, epilogue4(s3, mode, extra, j, at0 + 3 * bRow));
    }
    for (; j < n; j++) {
      for (let ii = 0; ii < 4; ii++) gemmCell(a0 + <usize>ii * aRow, aCol, b, bRow, c0 + <usize>ii * bRow, k, j, mode, extra);
    }
  }
  for (; i < m; i++) {
    const ai = a + <usize>i * aRow;
    const ci = c + <usize>i * bRow;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let s0 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      let off: usize = 0;
      for (let p = 0; p < k; p++) {
        s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(ai + off)), v128.load(bp)));
        bp += bRow;
        off += aCol;
      }
      const at = ci + (<usize>j << 2);
      v128.store(at, epilogue4(s0, mode, extra, j, at));
    }
    for (; j < n; j++) gemmCell(ai, aCol, b, bRow, ci, k, j, mode, extra);
  }
}

/** One element of C (the columns left over when N is not a multiple of 4: the 3-action and value heads). */
@inline function gemmCell(ai: usize, aCol: usize, b: usize, bRow: usize, ci: usize, k: i32, j: i32, mode: i32, extra: usize): void {
  let s: f32 = 0;
  let bp = b + (<usize>j << 2);
  let off: usize = 0;
  for (let p = 0; p < k; p++) {
    s += load<f32>(ai + off) * load<f32>(bp);
    bp += bRow;
    off += aCol;
  }
  const at = ci + (<usize>j << 2);
  store<f32>(at, epilogue1(s, mode, extra, j, at));
}

/** out (cols) = the column sums of x (rows × cols): a bias gradient. */
export function colSums(x: usize, rows: i32, cols: i32, out: usize): void {
  const stride = <usize>cols << 2;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let s = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s = f32x4.add(s, v128.load(p));
      p += stride;
    }
    v128.store(out + (<usize>j << 2), s);
  }
  for (; j < cols; j++) {
    let s: f32 = 0;
    let p = x + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s += load<f32>(p);
      p += stride;
    }
    store<f32>(out + (<usize>j << 2), s);
  }
}

/** dst (cols × rows) = srcᵀ (src rows × cols). */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) store<f32>(dst + ((<usize>c * rows + r) << 2), load<f32>(src + ((<usize>r * cols + c) << 2)));
  }
}

// ---------------------------------------------------------------------------------------------
// A network descriptor (i32 words), written by src/rl/wasm/layout.ts:
//   [0] L (dense layers, the head included)   [1 .. L+1] widths d0 .. dL
//   then per layer l, 6 words at 2 + L + 6l: W, b, Wᵀ, gW, gb, out (this layer's output, rows × d(l+1))
//   then two delta buffers (rows × the widest layer) at 2 + 7L and 3 + 7L.

@inline function word(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}
@inline function layerWord(net: usize, l: i32, field: i32): usize {
  return <usize>word(net, 2 + word(net, 0) + 6 * l + field);
}
const W = 0;
const BIAS = 1;
const WT = 2;
const GW = 3;
const GB = 4;
const OUT = 5;

/** The network's forward pass over `rows` inputs at x: each layer's output lands in its out buffer. */
export function forward(net: usize, x: usize, rows: i32): void {
  const L = word(net, 0);
  let input = x;
  for (let l = 0; l < L; l++) {
    const din = word(net, 1 + l);
    const dout = word(net, 2 + l);
    const out = layerWord(net, l, OUT);
    gemm(input, <usize>din << 2, 4, layerWord(net, l, W), out, rows, din, dout, l < L - 1 ? EPI_BIAS_TANH : EPI_BIAS, layerWord(net, l, BIAS));
    input = out;
  }
}

/** The network's output buffer (rows × dL) after forward. */
export function outputOf(net: usize): usize {
  return layerWord(net, word(net, 0) - 1, OUT);
}

/**
 * Gradients of the network's weights into its gW / gb buffers (overwritten) from the loss's gradient
 * with respect to the outputs (rows × dL, at dOut), after forward on the same rows of x.
 */
export function backward(net: usize, x: usize, rows: i32, dOut: usize): void {
  const L = word(net, 0);
  const D0 = <usize>word(net, 2 + 7 * L);
  const D1 = <usize>word(net, 3 + 7 * L);
  let delta = dOut;
  for (let l = L - 1; l >= 0; l--) {
    const din = word(net, 1 + l);
    const dout = word(net, 2 + l);
    const input = l == 0 ? x : layerWord(net, l - 1, OUT);
    // gW = inputᵀ · delta: A = inputᵀ, element (p, r) at input + r·din·4 + p·4
    gemm(input, 4, <usize>din << 2, delta, layerWord(net, l, GW), din, rows, dout, EPI_STORE, 0);
    colSums(delta, rows, dout, layerWord(net, l, GB));
    if (l > 0) {
      // δ(l−1) = (δ · Wᵀ) ⊙ (1 − input²), the previous layer's output being tanh's
      const next = delta == D0 ? D1 : D0;
      gemm(delta, <usize>dout << 2, 4, layerWord(net, l, WT), next, rows, dout, din, EPI_DTANH, input - next);
      delta = next;
    }
  }
}

/** Refresh every layer's Wᵀ (after the weights changed), which backward's δ products read. */
export function refreshTransposes(net: usize): void {
  const L = word(net, 0);
  for (let l = 1; l < L; l++) transpose(layerWord(net, l, W), word(net, 1 + l), word(net, 2 + l), layerWord(net, l, WT));
}

// ---------------------------------------------------------------------------------------------
// The PPO loss over a slice of a minibatch, and the gradients of every weight (one job per thread).
// Job descriptor (4-byte words): [0] policy net, [1] value net, [2] x (this slice's observations),
// [3] rows, [4] actions (i32), [5] old log-probabilities, [6] normalized advantages, [7] returns,
// [8] stats out (f64 × 5: Σ policy loss, Σ squared value error, Σ entropy, Σ approx-KL, clipped count),
// [9] 1/m (f32, m the whole minibatch), [10] 1 − clip, [11] 1 + clip, [12] clip, [13] entropy coef,
// [14] value coef, [15] dlogits scratch (rows × actions), [16] dvalue scratch (rows), [17] the
// rollout's value estimates, [18] clip the value loss (i32 0/1, ppo.clipValueLoss).

@inline function fword(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

export function ppoGrad(job: usize): void {
  const pnet = <usize>word(job, 0);
  const vnet = <usize>word(job, 1);
  const x = <usize>word(job, 2);
  const rows = word(job, 3);
  const actions = <usize>word(job, 4);
  const oldLogp = <usize>word(job, 5);
  const adv = <usize>word(job, 6);
  const ret = <usize>word(job, 7);
  const stats = <usize>word(job, 8);
  const invM = fword(job, 9);
  const lo = fword(job, 10);
  const hi = fword(job, 11);
  const clip = fword(job, 12);
  const entCoef = fword(job, 13);
  const vfCoef = fword(job, 14);
  const dLogits = <usize>word(job, 15);
  const dValue = <usize>word(job, 16);
  const oldValues = <usize>word(job, 17);
  const clipValues = word(job, 18) != 0;
  forward(pnet, x, rows);
  forward(vnet, x, rows);
  const logits = outputOf(pnet);
  const values = outputOf(vnet);
  const A = word(pnet, 1 + word(pnet, 0));
  let pgSum: f64 = 0, vSum: f64 = 0, entSum: f64 = 0, klSum: f64 = 0, clipped: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const z = logits + (<usize>(r * A) << 2);
    const dz = dLogits + (<usize>(r * A) << 2);
    let mx = load<f32>(z);
    for (let j = 1; j < A; j++) mx = max(mx, load<f32>(z + (<usize>j << 2)));
    let sum: f32 = 0;
    for (let j = 0; j < A; j++) sum += Mathf.exp(load<f32>(z + (<usize>j << 2)) - mx);
    const lse = Mathf.log(sum);
    let h: f32 = 0;
    for (let j = 0; j < A; j++) {
      const s = load<f32>(z + (<usize>j << 2)) - mx;
      const l = s - lse;
      const p = Mathf.exp(s) / sum;
      h -= p * l;
      // keep the log-probability and probability for the gradient below
      store<f32>(dz + (<usize>j << 2), l);
    }
    const a = load<i32>(actions + (<usize>r << 2));
    const newLp = load<f32>(dz + (<usize>a << 2));
    const logRatio = newLp - load<f32>(oldLogp + (<usize>r << 2));
    const ratio = Mathf.exp(logRatio);
    const av = load<f32>(adv + (<usize>r << 2));
    const u1 = -av * ratio;
    const u2 = -av * min(max(ratio, lo), hi);
    pgSum += <f64>max(u1, u2);
    // d max(u1, u2) / d ratio: through u1 where u1 ≥ u2 (the clipped branch is flat outside the range)
    const gRatio: f32 = u1 >= u2 ? -av * ratio : 0;
    for (let j = 0; j < A; j++) {
      const l = load<f32>(dz + (<usize>j << 2));
      const p = Mathf.exp(l);
      const onehot: f32 = j == a ? 1 : 0;
      store<f32>(dz + (<usize>j << 2), invM * (gRatio * (onehot - p) + entCoef * p * (l + h)));
    }
    entSum += <f64>h;
    klSum += <f64>(ratio - 1 - logRatio);
    if (abs(ratio - 1) > clip) clipped += 1;
    const v = load<f32>(values + (<usize>r << 2));
    const R = load<f32>(ret + (<usize>r << 2));
    const diff = v - R;
    if (clipValues) {
      // CleanRL's clip_vloss, with TF.js's subgradient (src/rl/ppo.ts clippedSquaredError): the larger
      // of the two squared errors, a tie to the unclipped one; through the clamp only on [−clip, clip]
      const old = load<f32>(oldValues + (<usize>r << 2));
      const d = v - old;
      const diffClipped = old + min(max(d, -clip), clip) - R;
      const l1 = diff * diff;
      const l2 = diffClipped * diffClipped;
      let g: f32 = diff;
      if (l1 >= l2) vSum += <f64>l1;
      else {
        vSum += <f64>l2;
        g = d >= -clip && d <= clip ? diffClipped : 0;
      }
      store<f32>(dValue + (<usize>r << 2), invM * vfCoef * g);
    } else {
      vSum += <f64>diff * <f64>diff;
      store<f32>(dValue + (<usize>r << 2), invM * vfCoef * diff);
    }
  }
  store<f64>(stats, pgSum);
  store<f64>(stats, vSum, 8);
  store<f64>(stats, entSum, 16);
  store<f64>(stats, klSum, 24);
  store<f64>(stats, clipped, 32);
  backward(pnet, x, rows, dLogits);
  backward(vnet, x, rows, dValue);
}

// ---------------------------------------------------------------------------------------------
// The optimizer over the flat parameter vector (both networks, in TF.js's variable order).

/** a += b over n floats (a worker's gradient into the main one). */
export function addInto(a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(a + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) store<f32>(a + (<usize>i << 2), load<f32>(a + (<usize>i << 2)) + load<f32>(b + (<usize>i << 2)));
}

/** Σ g² over n floats, in double. */
export function sumSquares(g: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(g + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

/**
 * One Adam step of tf.train.adam, operation for operation in float32: the gradient scaled by the clip
 * factor first (skipped at 1, as TF.js does), m ← m·β1 + g·(1−β1), v ← v·β2 + g²·(1−β2),
 * θ ← (m / c1) / (√(v / c2) + ε) · (−lr) + θ with c = 1 − β^t.
 */
export function adam(theta: usize, g: usize, m: usize, v: usize, n: i32, scale: f32, negLr: f32, b1: f32, b2: f32, omb1: f32, omb2: f32, c1: f32, c2: f32, eps: f32): void {
  const vs = f32x4.splat(scale);
  const vlr = f32x4.splat(negLr);
  const vb1 = f32x4.splat(b1);
  const vb2 = f32x4.splat(b2);
  const vo1 = f32x4.splat(omb1);
  const vo2 = f32x4.splat(omb2);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps);
  const scaled = scale != 1;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let gi = v128.load(g + o);
    if (scaled) gi = f32x4.mul(gi, vs);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gi, vo1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gi, gi), vo2));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const step = f32x4.mul(f32x4.div(f32x4.div(mi, vc1), f32x4.add(f32x4.sqrt(f32x4.div(vi, vc2)), veps)), vlr);
    v128.store(theta + o, f32x4.add(step, v128.load(theta + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let gi = load<f32>(g + o);
    if (scaled) gi *= scale;
    const mi = load<f32>(m + o) * b1 + gi * omb1;
    const vi = load<f32>(v + o) * b2 + gi * gi * omb2;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(theta + o, (mi / c1 / (Mathf.sqrt(vi / c2) + eps)) * negLr + load<f32>(theta + o));
  }
}
