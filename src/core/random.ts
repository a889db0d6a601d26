// A small seeded PRNG (Mulberry32) whose state can be saved and restored: every random choice in
// training (episode starts, action sampling, minibatch shuffles), the random baselines, the bootstrap and
// the generated test markets comes from one, so a seed reproduces a result.
export class Rng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }
  next = (): number => {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller) from a uniform source. */
export function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}
