// aggTrades: whole months and days before the server's today from the bulk files (checksummed), the rest
// over REST (GET /fapi/v1/aggTrades: a window under one hour finds the first trade, then fromId paging).
// A REST window that an earlier run already stored is skipped by aggregate trade id, so a re-run
// continues where the last one stopped.
import { DAY_MS, HOUR_MS } from "../core/time.ts";
import { queryRows } from "../data/duck.ts";
import type { Store } from "../data/store.ts";
import type { AggTrade } from "./client.ts";
import { type Period, dayPeriod, importBulk, monthsAndDays } from "./bulk.ts";
import type { FetchContext, KindCounters } from "./context.ts";
import type { Range } from "./plan.ts";

/** GET /fapi/v1/aggTrades maximum page size. */
const AGG_PER_REQUEST = 1000;

export async function fetchAggTrades(ctx: FetchContext, symbol: string, range: Range, out: KindCounters): Promise<void> {
  const key = `aggtrades/${symbol}`;
  const todayStartMs = Math.floor(ctx.client.serverNow() / DAY_MS) * DAY_MS;
  // bulk files exist only for periods that are over; the partial days at either edge go over REST
  const bulkRange = { fromMs: range.fromMs, toMs: Math.min(range.toMs, todayStartMs) };
  const queue: Period[] = monthsAndDays(bulkRange);
  const bulkFromMs = queue[0]?.fromMs ?? range.toMs;
  const bulkToMs = queue[queue.length - 1]?.toMs ?? range.toMs;
  const rest: Range[] = [{ fromMs: range.fromMs, toMs: Math.min(bulkFromMs, range.toMs) }, { fromMs: Math.max(bulkToMs, range.fromMs), toMs: range.toMs }].filter(
    (r) => r.toMs > r.fromMs,
  );
  const total = queue.length + rest.length;
  let done = 0;
  ctx.progress(0, total);
  while (queue.length && !ctx.signal?.aborted) {
    const p = queue.shift()!;
    if (ctx.state.isDayDone(key, p.label)) {
      ctx.progress(++done, total);
      continue;
    }
    const res = await importBulk(ctx, "aggtrades", symbol, p, out);
    if (res.status === "imported") {
      out.rowsFetched += res.rows;
      out.rowsStored += res.rows;
      ctx.state.markDayDone(key, p.label);
    } else if (p.monthly && res.status === "unavailable") {
      // not published (yet, or not there): its days may be
      const days: Period[] = [];
      for (let d = p.fromMs; d < p.toMs; d += DAY_MS) days.push(dayPeriod(d));
      queue.unshift(...days);
      ctx.progress(done, total + days.length - 1);
      continue;
    } else {
      if (res.status === "rejected") out.rejected.push(res.reason);
      // an unpublished or rejected day comes over REST instead
      await restWindow(ctx, symbol, p, out);
    }
    ctx.progress(++done, total);
  }
  for (const r of rest) {
    if (ctx.signal?.aborted) break;
    await restWindow(ctx, symbol, r, out);
    ctx.progress(++done, total);
  }
}

async function restWindow(ctx: FetchContext, symbol: string, r: Range, out: KindCounters): Promise<void> {
  const { client, store, signal } = ctx;
  const toMs = Math.min(r.toMs, client.serverNow());
  let hourStartMs = r.fromMs;
  let fromId: number | undefined;
  while (!signal?.aborted) {
    let page: AggTrade[];
    if (fromId === undefined) {
      if (hourStartMs >= toMs) break;
      page = await client.aggTrades({ symbol, startTime: hourStartMs, endTime: Math.min(hourStartMs + HOUR_MS, toMs) - 1, limit: AGG_PER_REQUEST });
      out.requests++;
      if (page.length === 0) {
        hourStartMs += HOUR_MS; // an hour without trades
        continue;
      }
      const stored = await storedRunFrom(store, symbol, page[0].aggId);
      if (stored && stored.endId >= page[page.length - 1].aggId) {
        // an earlier run stored this stretch already: continue after it
        if (stored.endTimeMs >= toMs) break;
        fromId = stored.endId + 1;
        continue;
      }
    } else {
      page = await client.aggTrades({ symbol, fromId, limit: AGG_PER_REQUEST });
      out.requests++;
      if (page.length === 0) break; // nothing newer on the exchange
    }
    const inRange = page.filter((t) => t.timestamp >= r.fromMs && t.timestamp < toMs);
    out.rowsFetched += inRange.length;
    if (inRange.length) out.rowsStored += (await store.upsertColumns("aggtrades", symbol, aggTradeColumns(inRange))).rows;
    const last = page[page.length - 1];
    if (last.timestamp >= toMs) break; // past the window's end
    if (page.length < AGG_PER_REQUEST) {
      if (fromId !== undefined) break; // reached the newest trade
      hourStartMs += HOUR_MS; // this hour is complete
      continue;
    }
    fromId = last.aggId + 1;
  }
}

/**
 * The stored run of consecutive aggregate trade ids starting at `id` (Binance numbers them without
 * gaps): its last id and that trade's time, or undefined when `id` itself is not stored.
 */
export async function storedRunFrom(store: Store, symbol: string, id: number): Promise<{ endId: number; endTimeMs: number } | undefined> {
  const rel = store.scan("aggtrades", symbol);
  if (!rel) return undefined;
  const [row] = await queryRows<{ end_id: number | null; end_ms: number | null }>(
    store.db,
    `SELECT max(agg_trade_id) AS end_id, max(transact_time) AS end_ms FROM (
       SELECT agg_trade_id, transact_time, agg_trade_id - row_number() OVER (ORDER BY agg_trade_id) AS run
       FROM ${rel} WHERE agg_trade_id >= ${id}
     ) WHERE run = ${id - 1}`,
  );
  return row?.end_id == null || row.end_ms == null ? undefined : { endId: row.end_id, endTimeMs: row.end_ms };
}

function aggTradeColumns(trades: AggTrade[]) {
  return {
    agg_trade_id: trades.map((t) => t.aggId),
    price: trades.map((t) => Number(t.price)),
    quantity: trades.map((t) => Number(t.quantity)),
    first_trade_id: trades.map((t) => t.firstId),
    last_trade_id: trades.map((t) => t.lastId),
    transact_time: trades.map((t) => t.timestamp),
    is_buyer_maker: trades.map((t) => t.isBuyerMaker),
  };
}
