// aggTrades: complete past days from the daily bulk files (checksummed), the rest over REST
// (GET /fapi/v1/aggTrades: windows under one hour, then fromId paging, 1000 per request).
import { DAY_MS, HOUR_MS, dayOf } from "../core/time.ts";
import type { Store } from "../data/store.ts";
import type { MarketClient } from "./client.ts";
import { importDaily } from "./bulk.ts";
import type { FetchedKind, KindProgress } from "./klines.ts";
import type { FetchState, Range } from "./plan.ts";

const AGG_PER_REQUEST = 1000;

export interface AggTradesResult extends FetchedKind {
  bulkDays: number;
  rejected: string[];
}

export async function fetchAggTrades(
  client: MarketClient,
  store: Store,
  state: FetchState,
  visionBase: string,
  symbol: string,
  range: Range,
  progress: KindProgress,
  signal?: AbortSignal,
): Promise<AggTradesResult> {
  const key = `aggtrades/${symbol}`;
  const out: AggTradesResult = { requests: 0, rowsFetched: 0, rowsStored: 0, bulkDays: 0, rejected: [] };
  const todayStart = Math.floor(client.serverNow() / DAY_MS) * DAY_MS;
  const days: number[] = [];
  for (let d = Math.floor(range.fromMs / DAY_MS) * DAY_MS; d < range.toMs; d += DAY_MS) days.push(d);
  progress(0, days.length);
  for (const [i, dayStart] of days.entries()) {
    if (signal?.aborted) break;
    const day = dayOf(dayStart);
    const complete = dayStart + DAY_MS <= todayStart && dayStart >= range.fromMs && dayStart + DAY_MS <= range.toMs;
    if (complete && state.isDayDone(key, day)) continue;
    if (complete) {
      const res = await importDaily(client, store, visionBase, "aggtrades", symbol, day);
      out.requests += 2;
      if (res.status === "imported") {
        out.bulkDays++;
        out.rowsFetched += res.rows;
        out.rowsStored += res.rows;
        state.markDayDone(key, day);
        progress(i + 1, days.length);
        continue;
      }
      if (res.status === "rejected") out.rejected.push(res.reason);
    }
    // not published (yet), rejected, or a partial day: REST
    const r = await restWindow(client, store, symbol, Math.max(dayStart, range.fromMs), Math.min(dayStart + DAY_MS, range.toMs, client.serverNow()), signal);
    out.requests += r.requests;
    out.rowsFetched += r.rows;
    out.rowsStored += r.rows;
    progress(i + 1, days.length);
  }
  return out;
}

async function restWindow(client: MarketClient, store: Store, symbol: string, fromMs: number, toMs: number, signal?: AbortSignal) {
  let requests = 0;
  let rows = 0;
  let fromId: number | undefined;
  let windowStart = fromMs;
  while (!signal?.aborted && windowStart < toMs) {
    const page =
      fromId === undefined
        ? await client.aggTrades({ symbol, startTime: windowStart, endTime: Math.min(windowStart + HOUR_MS - 1, toMs - 1), limit: AGG_PER_REQUEST })
        : await client.aggTrades({ symbol, fromId, limit: AGG_PER_REQUEST });
    requests++;
    const inRange = page.filter((t) => t.timestamp >= fromMs && t.timestamp < toMs);
    if (inRange.length) {
      await store.upsertColumns("aggtrades", symbol, {
        agg_trade_id: inRange.map((t) => t.aggId),
        price: inRange.map((t) => Number(t.price)),
        quantity: inRange.map((t) => Number(t.quantity)),
        first_trade_id: inRange.map((t) => t.firstId),
        last_trade_id: inRange.map((t) => t.lastId),
        transact_time: inRange.map((t) => t.timestamp),
        is_buyer_maker: inRange.map((t) => t.isBuyerMaker),
      });
      rows += inRange.length;
    }
    if (page.length === 0) {
      // an empty hour: move to the next window by time
      if (fromId !== undefined) break;
      windowStart += HOUR_MS;
      continue;
    }
    const last = page[page.length - 1];
    if (last.timestamp >= toMs - 1 || page.length < AGG_PER_REQUEST) {
      if (fromId === undefined && page.length < AGG_PER_REQUEST) {
        windowStart += HOUR_MS; // this hour is complete
        continue;
      }
      break;
    }
    fromId = last.aggId + 1;
  }
  return { requests, rows };
}
