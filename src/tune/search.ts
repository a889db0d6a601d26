// The three search methods of `rlt tune` behind one interface. Each proposal is a pure function of
// (seed, trial id, history, pending): a restarted tuner that asks again for an id it had proposed gets
// the same point back (grid and random always; TPE when the finished trials it sees are the same).
import { Rng } from "../core/random.ts";
import { gridPoints, paramKey, sampleParams } from "./space.ts";
import { TPE_DEFAULTS, tpePropose, type TpeOptions } from "./tpe.ts";
import type { Observation, Params, SearchMethod, SearchSpace } from "./types.ts";

export interface Searcher {
  readonly method: SearchMethod;
  /** grid: number of points; else undefined */
  readonly size?: number;
  /** The parameters of trial `id` (ids start at 0); undefined when the method has nothing left (past the grid's end). */
  propose(id: number, history: Observation[], pending: Params[]): Params | undefined;
}

export interface SearcherOptions {
  seed: number;
  /** Points per range / log range / wide integer on the grid. */
  gridSteps: number;
  /** TPE: trials 0 .. startupTrials − 1 are random search, the same points random search would take. */
  startupTrials: number;
  tpe?: Partial<TpeOptions>;
}

/** How often TPE, then the prior, is asked again when its proposal repeats a trial already run or running. */
const TPE_RETRIES = 3;
const RANDOM_RETRIES = 32;

export function createSearcher(method: SearchMethod, space: SearchSpace, opts: SearcherOptions): Searcher {
  if (method === "grid") {
    const points = gridPoints(space, opts.gridSteps);
    return { method, size: points.length, propose: (id) => points[id] };
  }
  const tpe = { ...TPE_DEFAULTS, ...opts.tpe };
  return {
    method,
    propose(id, history, pending) {
      const rng = new Rng(seedMix(opts.seed, id));
      // A trial whose point repeats a finished or running one would train the same thing again (the
      // seeds are fixed), so draw again from the same generator: still a function of the inputs.
      const taken = new Set([...history.map((o) => paramKey(o.params)), ...pending.map(paramKey)]);
      let proposal: Params | undefined;
      if (method === "tpe" && id >= opts.startupTrials) {
        for (let t = 0; t < TPE_RETRIES; t++) {
          proposal = tpePropose(space, history, pending, rng.next, tpe);
          if (proposal === undefined || !taken.has(paramKey(proposal))) break;
        }
        if (proposal !== undefined && !taken.has(paramKey(proposal))) return proposal;
      }
      // Random search, TPE's startup trials, and TPE before any trial has a value or when it keeps repeating itself.
      for (let t = 0; t < RANDOM_RETRIES; t++) {
        const sample = sampleParams(space, rng.next);
        if (!taken.has(paramKey(sample))) return sample;
        proposal ??= sample;
      }
      return proposal; // a small discrete space that is all taken: repeat rather than stall the search
    },
  };
}

/**
 * A 32-bit seed for trial `id` of a search seeded with `seed`: murmur3's finaliser over both, so nearby
 * seeds and ids give unrelated generators (Mulberry32 seeded with seed + id would shift one stream).
 */
export function seedMix(seed: number, id: number): number {
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  h = fmix32(h ^ Math.imul((id >>> 0) + 1, 0x85ebca6b));
  return h;
}

function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
