// Orthogonal initialization (Saxe et al.), as tf.initializers.orthogonal gives: a Gaussian matrix whose
// columns (of the taller orientation) are orthonormalized, transposed back if needed, times the gain.
import { Rng, gaussian } from "../../core/random.ts";

/** A rows × cols matrix, row-major, with orthonormal rows or columns (whichever are fewer), scaled by gain. */
export function orthogonal(rows: number, cols: number, gain: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const tall = Math.max(rows, cols);
  const narrow = Math.min(rows, cols);
  // q[c] is column c (length tall), orthonormalized by modified Gram–Schmidt in double precision
  const q = Array.from({ length: narrow }, () => Float64Array.from({ length: tall }, () => gaussian(rng.next)));
  for (let c = 0; c < narrow; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let i = 0; i < tall; i++) dot += q[c][i] * q[p][i];
      for (let i = 0; i < tall; i++) q[c][i] -= dot * q[p][i];
    }
    let norm = 0;
    for (let i = 0; i < tall; i++) norm += q[c][i] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < tall; i++) q[c][i] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
  }
  return out;
}
