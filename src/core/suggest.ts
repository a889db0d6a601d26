// "Did you mean …?": the closest valid spelling of a mistyped key, flag value or name.

/**
 * Edit distance with adjacent transpositions (optimal string alignment): insertions, deletions,
 * substitutions and swaps of two neighbouring letters (`trian` → `train`) each cost 1.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Words shorter than this never get a suggestion from a shared prefix alone. */
const MIN_PREFIX_LENGTH = 4;

/**
 * The candidate closest to `word`, or undefined when none is close enough to be a plausible typo:
 * at most a third of the word's length edited (at least one edit), ignoring case (`MaxUpdates` →
 * `maxUpdates`), or a key cut short, run on or with another ending (`takerFee` → `takerFeeRate`,
 * `maxRetry` → `maxRetries`). Ties go to the first
 * candidate, so the order is stable.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const maxDistance = Math.max(1, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const cl = c.toLowerCase();
    let d = editDistance(lower, cl);
    if (d > maxDistance && sharedPrefixLength(lower, cl) >= Math.max(MIN_PREFIX_LENGTH, Math.min(lower.length, cl.length) - 1)) d = maxDistance;
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= maxDistance ? best : undefined;
}

function sharedPrefixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
