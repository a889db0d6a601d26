// `npm run bench`: every benchmark in bench/, one after another, with its figures and targets.
// Speed targets live here, never in tests: these machines are shared and noisy.
export interface BenchResult {
  name: string;
  /** Measured figure, e.g. rows/s. */
  value: number;
  unit: string;
  /** Target from the issue; `higherIsBetter` decides the comparison. */
  target?: number;
  higherIsBetter?: boolean;
  detail?: string;
}

export type Bench = () => Promise<BenchResult[]>;

const benches: Record<string, () => Promise<{ run: Bench }>> = {
  // each bench module exports `run`
  import: () => import("./import.ts"),
  fetch: () => import("./fetch.ts"),
  record: () => import("./record.ts"),
  features: () => import("./features.ts"),
  ppo: () => import("./ppo.ts"),
  eval: () => import("./eval.ts"),
  trade: () => import("./trade.ts"),
  tune: () => import("./tune.ts"),
};

const only = process.argv.slice(2);
const results: BenchResult[] = [];
for (const [name, load] of Object.entries(benches)) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`bench ${name} …\n`);
  const { run } = await load();
  for (const r of await run()) {
    results.push(r);
    const ok = r.target === undefined ? "" : (r.higherIsBetter ?? true) ? (r.value >= r.target ? " ✓" : " ✗") : r.value <= r.target ? " ✓" : " ✗";
    const tgt = r.target === undefined ? "" : ` (target ${(r.higherIsBetter ?? true) ? "≥" : "≤"} ${fmt(r.target)})`;
    process.stdout.write(`${r.name.padEnd(48)} ${fmt(r.value).padStart(14)} ${r.unit}${tgt}${ok}${r.detail ? `  ${r.detail}` : ""}\n`);
  }
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3);
}
