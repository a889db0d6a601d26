// History for the session: the warm-up bars before the first live bar (the store first, then the
// exchange's REST klines for what the store lacks), bars the stream missed, and settled funding rates.
import { BAR_MS, HOUR_MS } from "../core/time.ts";
import type { Store } from "../data/store.ts";
import type { BarColumns, BarInput } from "../features/bar-input.ts";
import { loadBars } from "../features/sources.ts";
import type { MarketClient } from "../fetch/client.ts";
import { KLINES_PER_REQUEST } from "../fetch/klines.ts";
import { barsToColumns, candleKline, klineBar } from "./bars.ts";
import type { FundingRate } from "./paper.ts";

/** Bars [fromMs, toMs) from the exchange's REST klines, in pages. */
export async function restBars(client: MarketClient, symbol: string, fromMs: number, toMs: number): Promise<BarInput[]> {
  const out: BarInput[] = [];
  for (let start = fromMs; start < toMs; ) {
    const page = await client.candles({ symbol, startTime: start, endTime: toMs - 1, limit: KLINES_PER_REQUEST });
    const bars = page.filter((c) => c.openTime >= start && c.openTime < toMs).map((c) => klineBar(candleKline(c)));
    if (bars.length === 0) break;
    out.push(...bars);
    start = bars[bars.length - 1].openTime + BAR_MS;
  }
  return out;
}

/**
 * Warm-up bars [fromMs, toMs): what the store holds from fromMs on, then REST klines after it. Gaps
 * are refused as `rlt features` refuses them (unless the run's features filled them).
 */
export async function warmUpColumns(store: Store | undefined, client: MarketClient, symbol: string, fromMs: number, toMs: number, fillGaps: boolean): Promise<{ cols: BarColumns; fromStore: number; fromRest: number }> {
  let stored: BarColumns | undefined;
  if (store?.scan("klines", symbol)) {
    try {
      stored = (await loadBars(store, symbol, { fromMs, toMs, fillGaps })).cols;
    } catch (err) {
      if (!/no .* klines in the requested range/.test((err as Error).message)) throw err;
    }
  }
  const storedBars = stored?.openTime.length ?? 0;
  const restFrom = storedBars ? stored!.openTime[storedBars - 1] + BAR_MS : fromMs;
  const rest = restFrom < toMs ? await restBars(client, symbol, restFrom, toMs) : [];
  if (!stored) return { cols: barsToColumns(rest), fromStore: 0, fromRest: rest.length };
  if (rest.length === 0) return { cols: stored, fromStore: storedBars, fromRest: 0 };
  const joined = Object.fromEntries(Object.entries(stored).map(([k, v]) => {
    const c = new Float64Array(storedBars + rest.length);
    c.set(v);
    rest.forEach((b, i) => (c[storedBars + i] = b[k as keyof BarInput]));
    return [k, c];
  })) as unknown as BarColumns;
  return { cols: joined, fromStore: storedBars, fromRest: rest.length };
}

/**
 * Settled funding in bar [openTime, openTime + BAR_MS). Binance settles on the hour (every 8 h, 4 h
 * or 1 h by symbol), a few ms after it, so only a bar that opens on the hour can hold one.
 */
export async function fundingInBar(client: MarketClient, symbol: string, openTime: number): Promise<FundingRate[]> {
  if (openTime % HOUR_MS !== 0) return [];
  const rows = await client.fundingRate({ symbol, startTime: openTime, endTime: openTime + BAR_MS - 1, limit: 10 });
  return rows.map((r) => ({ timeMs: r.fundingTime, rate: Number(r.fundingRate), markPrice: r.markPrice === undefined || r.markPrice === "" ? Number.NaN : Number(r.markPrice) }));
}
