// `rlt fetch`: for each symbol and kind, fetch what is missing, store it page by page, validate it.
import { ExchangeError, UsageError } from "../core/errors.ts";
import type { ResolvedConfig } from "../core/config.ts";
import type { Reporter } from "../core/log.ts";
import { DAY_MS, MINUTE_MS } from "../core/time.ts";
import { ident } from "../data/duck.ts";
import { type KindName, kindSpec } from "../data/kinds.ts";
import { Store } from "../data/store.ts";
import { type ValidationReport, validateRelation } from "../data/validate.ts";
import { fetchAggTrades } from "./aggtrades.ts";
import { fetchDailyFiles } from "./bulk.ts";
import { Interrupted, MarketClient } from "./client.ts";
import { type FetchContext, type KindCounters, newCounters } from "./context.ts";
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

export interface KindSummary extends KindCounters {
  symbol: string;
  kind: FetchKind;
  fromMs: number;
  toMs: number;
  elapsedMs: number;
  /** Stopped by SIGINT/SIGTERM before this kind was complete. */
  interrupted: boolean;
  /** Of what is stored in [fromMs, toMs) after the fetch; absent when nothing is stored. */
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
  const state = FetchState.in(store.dir, cfg.endpoint.rest);
  const results: KindSummary[] = [];
  let interrupted = false;
  try {
    for (const symbol of req.symbols) {
      for (const kind of req.kinds) {
        if (interrupted || signal?.aborted) break;
        const task = `${kind} ${symbol}`;
        const t0 = Date.now();
        const ctx: FetchContext = { client, store, state, visionBase: cfg.endpoint.vision, signal, progress: (done, total) => reporter.progress(task, done, total) };
        const summary: KindSummary = { symbol, kind, fromMs: range.fromMs, toMs: range.toMs, ...newCounters(), elapsedMs: 0, interrupted: false };
        try {
          await fetchKind(ctx, kind, symbol, range, summary);
        } catch (err) {
          // stopped mid-wait or mid-retry: what is stored stays stored; report it like a stop between pages
          if (!(err instanceof Interrupted)) throw err;
        }
        reporter.done(task);
        summary.interrupted = interrupted = Boolean(signal?.aborted);
        summary.elapsedMs = Date.now() - t0;
        summary.validation = await validateStored(store, kind, symbol, range);
        for (const r of summary.rejected) reporter.warn(r);
        results.push(summary);
      }
    }
    await store.refreshCatalog();
  } finally {
    store.close();
  }
  return { exchange: cfg.exchange, restUrl: cfg.endpoint.rest, serverTimeMs, interrupted, requests: client.requests, retries: client.retries, waitedMs: client.waitedMs, results };
}

function fetchKind(ctx: FetchContext, kind: FetchKind, symbol: string, range: Range, out: KindCounters): Promise<void> {
  switch (kind) {
    case "klines":
      return fetchKlines(ctx, symbol, range, out);
    case "funding":
      return fetchFunding(ctx, symbol, range, out);
    case "aggtrades":
      return fetchAggTrades(ctx, symbol, range, out);
    case "bookdepth":
    case "metrics":
      return fetchDailyFiles(ctx, kind, symbol, range, out);
  }
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
  if (summary.interrupted) throw new Interrupted();
}
