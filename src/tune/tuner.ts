// The search loop: propose, submit, record, until the budget is spent. Proposals are written before a
// trial starts and records when it ends, so a tuner killed anywhere restarts where it was: trials it
// had started run again (on the queue: are collected, if they finished meanwhile), finished ones never.
import path from "node:path";
import { makeDirs } from "../core/dirs.ts";
import { withLock } from "../core/lock.ts";
import type { Reporter } from "../core/log.ts";
import { applyParams, type TuneConfig } from "./config.ts";
import { createSearcher } from "./search.ts";
import { type Proposal, TUNE_FILES, openTuneDir, readProposals, readRecords, recordTrial, writeProposals } from "./store.ts";
import { readJobSymbols } from "./symbols.ts";
import { objectiveOf } from "./objective.ts";
import type { Delivery, Observation, TrialBackend, TrialJob, TrialRecord } from "./types.ts";

export interface TuneOptions {
  dir: string;
  backend: TrialBackend;
  reporter: Reporter;
  signal?: AbortSignal;
  now?: () => number;
}

export type TuneStop = "budget" | "grid-exhausted" | "wall-time" | "interrupted";

export interface TuneSummary {
  dir: string;
  records: TrialRecord[];
  /** Trials this run of the tuner recorded (the rest were recorded by an earlier run). */
  recordedNow: number;
  /** Deliveries of an already recorded trial: ignored. */
  duplicates: number;
  best?: TrialRecord;
  stoppedBy: TuneStop;
  resumed: boolean;
}

export async function runTune(cfg: TuneConfig, opts: TuneOptions): Promise<TuneSummary> {
  const { dir, backend, reporter } = opts;
  const now = opts.now ?? Date.now;
  const started = now();
  makeDirs(dir);
  return withLock(path.join(dir, TUNE_FILES.lock), { purpose: `the search ${dir}`, onWait: (m) => reporter.warn(m), signal: opts.signal }, async () => {
    const symbols = readJobSymbols(cfg);
    const { resumed } = openTuneDir(dir, {
      kind: "rlt-tune",
      name: cfg.name,
      fingerprint: cfg.fingerprint,
      method: cfg.method,
      objective: cfg.objective,
      space: cfg.space,
      seeds: cfg.seeds,
      symbols: symbols.map((s) => s.symbol),
      config: cfg.file,
      createdAt: new Date(started).toISOString(),
    });
    const records = new Map(readRecords(dir).map((r) => [r.id, r]));
    const proposals: Proposal[] = readProposals(dir);
    const searcher = createSearcher(cfg.method, cfg.space, { seed: cfg.search.seed, gridSteps: cfg.search.gridSteps, startupTrials: cfg.search.startupTrials });
    if (searcher.size !== undefined && searcher.size < cfg.budget.trials) reporter.info(`the grid has ${searcher.size} points: the search ends after them (budget ${cfg.budget.trials} trials)`);
    if (searcher.size !== undefined && searcher.size > cfg.budget.trials) reporter.warn(`the grid has ${searcher.size} points and the budget ${cfg.budget.trials} trials: only the first ${cfg.budget.trials} are tried`);
    const pending = proposals.filter((p) => !records.has(p.id));
    if (resumed) reporter.info(`resuming ${dir}: ${records.size} trials recorded, ${pending.length} started and not recorded (they run again), ${proposals.length} proposed of ${cfg.budget.trials}`);
    const job = (p: Proposal): TrialJob => ({
      tune: cfg.name,
      fingerprint: cfg.fingerprint,
      id: p.id,
      params: p.params,
      train: applyParams(cfg.trainRaw, p.params),
      symbols,
      seeds: cfg.seeds,
      folds: cfg.objective.folds,
      randomRepeats: cfg.randomRepeats,
    });
    const observations = (): Observation[] => [...records.values()].map((r) => ({ params: r.params, objective: r.objective }));
    const inFlight = new Map<number, Proposal>();
    let recordedNow = 0;
    let duplicates = 0;
    let stoppedBy: TuneStop = "budget";
    const aborted = new Promise<"aborted">((resolve) => (opts.signal?.aborted ? resolve("aborted") : opts.signal?.addEventListener("abort", () => resolve("aborted"), { once: true })));

    // what may still start: the started-but-unrecorded first, then new proposals within the budget and the wall time
    const nextToStart = (): Proposal | undefined => {
      const again = pending.shift();
      if (again) return again;
      if (proposals.length >= cfg.budget.trials) return undefined;
      if (cfg.budget.wallMinutes !== null && now() - started >= cfg.budget.wallMinutes * 60_000) {
        stoppedBy = "wall-time";
        return undefined;
      }
      const params = searcher.propose(proposals.length, observations(), [...inFlight.values()].map((p) => p.params));
      if (params === undefined) {
        stoppedBy = "grid-exhausted";
        return undefined;
      }
      const proposal = { id: proposals.length, params };
      proposals.push(proposal);
      // the parameters are on disk before the trial starts: a restart runs this trial, not a new draw
      writeProposals(dir, proposals);
      return proposal;
    };

    for (;;) {
      if (opts.signal?.aborted) {
        stoppedBy = "interrupted";
        break;
      }
      while (backend.running() < backend.capacity) {
        const p = nextToStart();
        if (!p) break;
        inFlight.set(p.id, p);
        await backend.submit(job(p));
        reporter.info(`trial ${p.id} started: ${formatParams(p.params)}`);
      }
      if (backend.running() === 0) break;
      const delivery = await Promise.race([backend.next(), aborted]);
      if (delivery === "aborted") {
        stoppedBy = "interrupted";
        break;
      }
      inFlight.delete(delivery.job.id);
      const record = toRecord(delivery, cfg);
      // the record is on disk before the next delivery is asked for (the queue removes a delivered job)
      if (!(await recordTrial(dir, record, delivery.outcome.files))) {
        duplicates++;
        reporter.warn(`trial ${record.id} was delivered again (attempt ${delivery.attempts}): already recorded, ignored`);
        continue;
      }
      records.set(record.id, record);
      recordedNow++;
      reporter.info(progressLine(record, [...records.values()], backend.running(), cfg));
      reporter.progress("tune", records.size, cfg.budget.trials, statusText([...records.values()], backend.running()));
    }
    reporter.done("tune");
    const all = [...records.values()].sort((a, b) => a.id - b.id);
    return { dir, records: all, recordedNow, duplicates, best: bestOf(all), stoppedBy, resumed };
  });
}

function toRecord(d: Delivery, cfg: TuneConfig): TrialRecord {
  const ok = d.outcome.status === "ok";
  return {
    id: d.job.id,
    params: d.job.params,
    status: d.outcome.status,
    objective: ok ? objectiveOf(d.outcome.units, "validation", cfg.metric) : null,
    testObjective: ok ? objectiveOf(d.outcome.units, "test", cfg.metric) : null,
    ...(d.outcome.error !== undefined ? { error: d.outcome.error } : {}),
    units: d.outcome.units,
    wallSeconds: d.outcome.wallSeconds,
    worker: d.outcome.worker,
    attempts: d.attempts,
    startedAt: d.outcome.startedAt,
    finishedAt: d.outcome.finishedAt,
  };
}

/** The ok trial with the highest objective (the earliest of equals). */
export function bestOf(records: TrialRecord[]): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const r of records) if (r.status === "ok" && r.objective !== null && (!best || r.objective > best.objective!)) best = r;
  return best;
}

function progressLine(r: TrialRecord, all: TrialRecord[], running: number, cfg: TuneConfig): string {
  const best = bestOf(all);
  const failed = all.filter((x) => x.status === "failed").length;
  const what = r.status === "ok" ? `objective ${fmt(r.objective)} (validation ${cfg.metric}, median of ${r.units.length}), test ${fmt(r.testObjective)}` : `FAILED: ${r.error}`;
  return `trial ${r.id} ${r.status} in ${r.wallSeconds.toFixed(1)} s on ${r.worker}${r.attempts > 1 ? ` (attempt ${r.attempts})` : ""}: ${what} · ${all.length - failed} done / ${running} running / ${failed} failed of ${cfg.budget.trials}; best ${best ? `${fmt(best.objective)} (trial ${best.id})` : "—"}`;
}

/** The terminal's status line: trials done / running / failed and the best so far. */
function statusText(all: TrialRecord[], running: number): string {
  const failed = all.filter((x) => x.status === "failed").length;
  const best = bestOf(all);
  return `${all.length - failed} done, ${running} running, ${failed} failed; best ${best ? `${fmt(best.objective)} (trial ${best.id})` : "—"}`;
}

export function formatParams(p: Record<string, unknown>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === "number" ? Number(v.toPrecision(4)) : JSON.stringify(v)}`)
    .join(" ");
}

function fmt(x: number | null): string {
  return x === null || !Number.isFinite(x) ? "—" : x.toFixed(Math.abs(x) >= 10 ? 1 : 3);
}
