// The population stability index (§8.1): how far a distribution over fixed bins has moved from a
// reference, PSI = Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) over the bins' shares. Conventional reading: below 0.1 no
// shift, 0.1–0.25 a moderate one, above 0.25 a significant one (Siddiqi, "Credit Risk Scorecards", 2006).

/**
 * An empty bin would make ln(a/e) infinite: its share is taken as this instead, the usual choice in
 * scorecard monitoring (one in ten thousand, far below any share a window of a few hundred bars can hold).
 */
export const PSI_EPSILON = 1e-4;

/**
 * PSI of `actual` against `expected`, each given as shares or as counts per bin (counts are divided by
 * their total). NaN when either side has nothing in it or the bins differ in number.
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (expected.length !== actual.length || expected.length === 0) return Number.NaN;
  const te = total(expected);
  const ta = total(actual);
  if (!(te > 0) || !(ta > 0)) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i] / te, PSI_EPSILON);
    const a = Math.max(actual[i] / ta, PSI_EPSILON);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

function total(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}
