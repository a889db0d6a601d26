// The search space of `rlt tune`: its semantic checks (the config's zod schema checks the shape), uniform
// sampling (the random search and TPE's startup trials), the grid, and the canonical key of a point.
import { ConfigError } from "../core/errors.ts";
import type { ParamSpec, Params, SearchSpace } from "./types.ts";

/** A grid larger than this is refused: it would never finish, and enumerating it would exhaust memory. */
export const MAX_GRID_POINTS = 100_000;

/** Significant digits grid values are rounded to, so `0.1 + 2 · 0.1` prints as 0.3 in configs and reports. */
const GRID_DIGITS = 12;

/** Which of the four shapes a spec is, with its bounds or values; the one place the union is told apart. */
export type SpecKind =
  | { kind: "choice"; values: unknown[] }
  | { kind: "range"; lo: number; hi: number }
  | { kind: "log"; lo: number; hi: number }
  | { kind: "int"; lo: number; hi: number };

const SHAPES = ["choice", "range", "log", "int"] as const;

/** The spec's kind; throws a ConfigError naming `path` for an object that is none of the four shapes. */
export function specKind(spec: ParamSpec, path: string, source = "the search space"): SpecKind {
  const keys = spec !== null && typeof spec === "object" && !Array.isArray(spec) ? Object.keys(spec) : [];
  const shape = keys.length === 1 ? SHAPES.find((s) => s === keys[0]) : undefined;
  if (shape === undefined) {
    throw new ConfigError(`${source}: search space ${path} must be exactly one of { choice: [...] }, { range: [lo, hi] }, { log: [lo, hi] }, { int: [lo, hi] } (got ${describe(spec)})`, {
      hint: "see docs/tuning.md for the four kinds of parameter",
    });
  }
  const body = (spec as Record<string, unknown>)[shape];
  if (shape === "choice") {
    if (!Array.isArray(body)) throw new ConfigError(`${source}: search space ${path}: choice must be a list of values (got ${describe(body)})`);
    return { kind: "choice", values: body };
  }
  if (!Array.isArray(body) || body.length !== 2 || !body.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new ConfigError(`${source}: search space ${path}: ${shape} must be two finite numbers [lo, hi] (got ${describe(body)})`);
  }
  return { kind: shape, lo: body[0] as number, hi: body[1] as number };
}

/** The semantic checks of a search space; `source` (the config file) opens every message. */
export function checkSpace(space: SearchSpace, source: string): void {
  const paths = Object.keys(space);
  if (paths.length === 0) {
    throw new ConfigError(`${source}: the search space is empty: there is nothing to tune`, { hint: "add at least one parameter, e.g. ppo.learningRate: { log: [1e-5, 1e-3] }" });
  }
  for (const path of paths) {
    const k = specKind(space[path], path, source);
    const where = `${source}: search space ${path}:`;
    if (k.kind === "choice") {
      if (k.values.length === 0) throw new ConfigError(`${where} choice is empty: give at least one value`);
      const seen = new Set<string>();
      for (const v of k.values) {
        const key = canonicalJson(v);
        // The categorical estimators and the grid tell values apart by this key: a repeat would be one value counted twice.
        if (seen.has(key)) throw new ConfigError(`${where} choice lists ${key} twice`);
        seen.add(key);
      }
      continue;
    }
    if (k.lo >= k.hi) throw new ConfigError(`${where} ${k.kind} has lo >= hi ([${k.lo}, ${k.hi}]): lo must be below hi`, { hint: "for a fixed value, set it in the base config instead" });
    if (k.kind === "log" && k.lo <= 0) throw new ConfigError(`${where} log needs lo > 0 (got [${k.lo}, ${k.hi}]): it is uniform in log(x)`, { hint: "use { range: [lo, hi] } for a range that includes 0 or negative values" });
    if (k.kind === "int" && !(Number.isInteger(k.lo) && Number.isInteger(k.hi))) throw new ConfigError(`${where} int bounds must be integers (got [${k.lo}, ${k.hi}])`);
  }
}

/** One point drawn from the uniform prior: log-uniform for `log`, every integer equally likely for `int`. */
export function sampleParams(space: SearchSpace, random: () => number): Params {
  const params: Params = {};
  for (const path of Object.keys(space)) {
    const k = specKind(space[path], path);
    const u = random();
    if (k.kind === "choice") params[path] = k.values[Math.min(k.values.length - 1, Math.floor(u * k.values.length))];
    else if (k.kind === "range") params[path] = k.lo + u * (k.hi - k.lo);
    else if (k.kind === "log") params[path] = Math.exp(Math.log(k.lo) + u * (Math.log(k.hi) - Math.log(k.lo)));
    else params[path] = Math.min(k.hi, k.lo + Math.floor(u * (k.hi - k.lo + 1)));
  }
  return params;
}

/** The values the grid takes along one parameter. */
export function gridValues(k: SpecKind, steps: number): unknown[] {
  if (k.kind === "choice") return k.values;
  const fraction = (i: number) => i / (steps - 1);
  if (k.kind === "int") {
    if (k.hi - k.lo + 1 <= steps) return Array.from({ length: k.hi - k.lo + 1 }, (_, i) => k.lo + i);
    // The spacing exceeds 1, so the rounded values are distinct; the Set is a guard, not a need.
    return [...new Set(Array.from({ length: steps }, (_, i) => Math.round(k.lo + fraction(i) * (k.hi - k.lo))))];
  }
  const values: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = fraction(i);
    const x = k.kind === "range" ? k.lo + t * (k.hi - k.lo) : Math.exp(Math.log(k.lo) + t * (Math.log(k.hi) - Math.log(k.lo)));
    // Both ends exactly as written (exp(log(x)) is not always x).
    values.push(i === 0 ? k.lo : i === steps - 1 ? k.hi : Number(x.toPrecision(GRID_DIGITS)));
  }
  return values;
}

/** The full cartesian grid in the space's key order, the last key varying fastest. */
export function gridPoints(space: SearchSpace, steps: number): Params[] {
  if (!Number.isInteger(steps) || steps < 2) {
    throw new ConfigError(`grid steps must be an integer >= 2 (got ${steps}): both ends of each range are on the grid`);
  }
  const paths = Object.keys(space);
  const axes = paths.map((p) => gridValues(specKind(space[p], p), steps));
  const size = axes.reduce((n, a) => n * a.length, 1);
  if (size > MAX_GRID_POINTS) {
    const shape = paths.map((p, i) => `${p}: ${axes[i].length}`).join(", ");
    throw new ConfigError(`the grid has ${size} points (${shape}), more than ${MAX_GRID_POINTS}`, {
      hint: "lower the grid steps, drop parameters, or use method: random or tpe with a trial budget",
    });
  }
  const points: Params[] = [];
  const index = new Array<number>(paths.length).fill(0);
  for (let n = 0; n < size; n++) {
    const point: Params = {};
    paths.forEach((p, i) => (point[p] = axes[i][index[i]]));
    points.push(point);
    // Odometer increment: the last axis turns fastest.
    for (let i = paths.length - 1; i >= 0; i--) {
      if (++index[i] < axes[i].length) break;
      index[i] = 0;
    }
  }
  return points;
}

/** A canonical JSON of a point (keys sorted at every level): equal points, however built, get equal keys. */
export function paramKey(params: Params): string {
  return canonicalJson(params);
}

/** The canonical JSON of any value: how choice values are told apart (arrays such as `ppo.hidden` included). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
