// `rlt fetch`: for each symbol and kind, fetch what is missing, store it page by page, validate it.
import { ExchangeError, RltError, UsageError } from "../core/errors.ts";
import type { ResolvedConfig } from "../core/config.ts";
import type { Reporter } from "../core/log.ts";
import { DAY_MS, MINUTE_MS, dayOf } from "../core/time.ts";
import { ident } from "../data/duck.ts";
import { type KindName, kindSpec } from "../data/kinds.ts";
import { Store } from "../data/store.ts";
import { type ValidationReport, validateRelation } from "../data/validate.ts";
import { fetchAggTrades } from "./aggtrades.ts";
import { importDaily } from "./bulk.ts";
import { MarketClient } from "./client.ts";
import { fetchFunding } from "./funding.ts";
import { fetchKlines } from "./klines.ts";
import { FetchState, type Range } from "./plan.ts";

export const FETCH_KINDS = ["klines", "funding", "aggtrades", "bookdepth", "metrics"] as const satisfies readonly KindName[];
export type FetchKind = (typeof FETCH_KINDS)[number];
export const DEFAULT_FETCH_KINDS: FetchKind[] = ["klines", "funding"];

export interface FetchRequest {
  symbols: string[];
  kinds: FetchKind[];
  /** Days back from the exchange's clock, or an explicit range. */
  days?: number;
  fromMs?: number;
  toMs?: number;
}

export interface KindSummary {
  symbol: string;
  kind: FetchKind;
  requests: number;
  rowsFetched: number;
  rowsStored: number;
  fromMs: number;
  toMs: number;
  elapsedMs: number;
  /** Days for which the exchange publishes no bulk file (bookDepth / metrics). */
  unavailableDays?: string[];
  rejected?: string[];
  validation?: ValidationReport;
}

export interface FetchSummary {
  exchange: string;
  restUrl: string;
  serverTimeMs: number;
  interrupted: boolean;
  requests: number;
  retries: number;
  waitedMs: number;
  results: KindSummary[];
}

export async function runFetch(cfg: ResolvedConfig, req: FetchRequest, reporter: Reporter, signal?: AbortSignal): Promise<FetchSummary> {
  const client = new MarketClient({
    restUrl: cfg.endpoint.rest,
    weightBudget: cfg.fetch.weightBudget,
    maxRetries: cfg.fetch.maxRetries,
    signal,
    onWait: (reason, ms) => reporter.info(`waiting ${(ms / 1000).toFixed(1)} s: ${reason}`),
  });
  const serverTimeMs = await client.syncTime();
  const trading = await client.tradingSymbols();
  for (const s of req.symbols) {
    if (!trading.has(s)) {
      const known = [...trading].slice(0, 8).join(", ");
      throw new ExchangeError(`unknown symbol ${s} on ${cfg.endpoint.rest}`, { hint: `USD-M perpetual symbols look like ${known}${trading.size > 8 ? ", …" : ""}` });
    }
  }
  const range = resolveRange(req, serverTimeMs);
  const store = await Store.open(cfg.dataDirAbs);
  const state = FetchState.in(store.dir);
  const results: KindSummary[] = [];
  try {
    for (const symbol of req.symbols) {
      for (const kind of req.kinds) {
        if (signal?.aborted) break;
        const task = `${kind} ${symbol}`;
        const t0 = Date.now();
        const progress = (done: number, total: number) => reporter.progress(task, done, total);
        const base = { symbol, kind, fromMs: range.fromMs, toMs: range.toMs };
        let summary: KindSummary;
        if (kind === "klines") summary = { ...base, ...(await fetchKlines(client, store, state, symbol, range, progress, signal)), elapsedMs: 0 };
        else if (kind === "funding") summary = { ...base, ...(await fetchFunding(client, store, symbol, range, progress, signal)), elapsedMs: 0 };
        else if (kind === "aggtrades") {
          const r = await fetchAggTrades(client, store, state, cfg.endpoint.vision, symbol, range, progress, signal);
          summary = { ...base, requests: r.requests, rowsFetched: r.rowsFetched, rowsStored: r.rowsStored, rejected: r.rejected, elapsedMs: 0 };
        } else summary = { ...base, ...(await fetchDailyOnly(client, store, state, cfg.endpoint.vision, kind, symbol, range, progress, signal)), elapsedMs: 0 };
        reporter.done(task);
        summary.elapsedMs = Date.now() - t0;
        summary.validation = await validateStored(store, kind, symbol, range);
        for (const r of summary.rejected ?? []) reporter.warn(r);
        results.push(summary);
      }
    }
    await store.refreshCatalog();
  } finally {
    store.close();
  }
  return { exchange: cfg.exchange, restUrl: cfg.endpoint.rest, serverTimeMs, interrupted: Boolean(signal?.aborted), requests: client.requests, retries: client.retries, waitedMs: client.waitedMs, results };
}

export function resolveRange(req: FetchRequest, serverTimeMs: number): Range {
  // the current minute's bar is still open: ranges end at the last closed minute
  const nowFloor = Math.floor(serverTimeMs / MINUTE_MS) * MINUTE_MS;
  if (req.days !== undefined) {
    if (req.fromMs !== undefined || req.toMs !== undefined) throw new UsageError("--days cannot be combined with --from/--to");
    return { fromMs: nowFloor - req.days * DAY_MS, toMs: nowFloor };
  }
  if (req.fromMs === undefined) throw new UsageError("say how much to fetch", { hint: "pass --days N, or --from DATE [--to DATE]" });
  const toMs = Math.min(req.toMs ?? nowFloor, nowFloor);
  if (toMs <= req.fromMs) throw new UsageError(`empty range: --from ${new Date(req.fromMs).toISOString()} is not before --to ${new Date(toMs).toISOString()} (or the exchange's clock)`);
  return { fromMs: req.fromMs, toMs };
}

async function fetchDailyOnly(
  client: MarketClient, store: Store, state: FetchState, visionBase: string, kind: "bookdepth" | "metrics",
  symbol: string, range: Range, progress: (d: number, t: number) => void, signal?: AbortSignal,
) {
  const key = `${kind}/${symbol}`;
  const out = { requests: 0, rowsFetched: 0, rowsStored: 0, unavailableDays: [] as string[], rejected: [] as string[] };
  const todayStart = Math.floor(client.serverNow() / DAY_MS) * DAY_MS;
  const days: number[] = [];
  for (let d = Math.floor(range.fromMs / DAY_MS) * DAY_MS; d + DAY_MS <= Math.min(range.toMs + DAY_MS - 1, todayStart); d += DAY_MS) days.push(d);
  for (const [i, d] of days.entries()) {
    if (signal?.aborted) break;
    const day = dayOf(d);
    if (state.isDayDone(key, day)) continue;
    const res = await importDaily(client, store, visionBase, kind, symbol, day);
    out.requests += res.status === "unavailable" ? 1 : 2;
    if (res.status === "imported") {
      out.rowsFetched += res.rows;
      out.rowsStored += res.rows;
      state.markDayDone(key, day);
    } else if (res.status === "unavailable") out.unavailableDays.push(day);
    else out.rejected.push(res.reason);
    progress(i + 1, days.length);
  }
  return out;
}

async function validateStored(store: Store, kind: KindName, symbol: string, range: Range): Promise<ValidationReport | undefined> {
  const rel = store.scan(kind, symbol);
  if (!rel) return undefined;
  const spec = kindSpec(kind);
  const t = ident(spec.timeColumn);
  return validateRelation(
    store.db,
    kind,
    `SELECT * FROM ${rel} WHERE ${t} >= ${range.fromMs} AND ${t} < ${range.toMs} ORDER BY ${spec.key.map(ident).join(", ")}`,
  );
}

export function assertNotInterrupted(summary: FetchSummary): void {
  if (summary.interrupted) throw new RltError("fetch interrupted; everything fetched so far is stored: re-run the same command to resume");
}
