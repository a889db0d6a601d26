// Aggregate trades the stream skipped (a dropped connection, a recorder restart), fetched by REST:
// GET /fapi/v1/aggTrades?fromId paging through the fetch client, which paces by the exchange's weight
// header and retries temporary failures. Binance numbers aggregate trades without gaps, so the ids
// between the last one received and the first one after the drop are exactly what is missing.
import type { AggTrade, MarketClient } from "../fetch/client.ts";
import type { MarketEvent } from "./events.ts";

/** GET /fapi/v1/aggTrades maximum page size. */
const AGG_PER_REQUEST = 1000;
/**
 * Larger gaps (an hour of BTCUSDT is ~100 k aggregates, 100 requests of weight 20) are left to
 * `rlt fetch --kinds aggtrades`, which pages them without stealing the recorder's request weight.
 */
export const MAX_BACKFILL_IDS = 100_000;

export interface BackfillResult {
  fromId: number;
  toId: number;
  /** Trades fetched with ids in [fromId, toId]. */
  fetched: number;
  requests: number;
}

/** Fetch the aggregate trades with ids in [fromId, toId], handing each to `onTrade` in id order. */
export async function backfillAggTrades(
  client: MarketClient,
  symbol: string,
  fromId: number,
  toId: number,
  onTrade: (ev: Extract<MarketEvent, { type: "aggTrade" }>) => void,
): Promise<BackfillResult> {
  const result: BackfillResult = { fromId, toId, fetched: 0, requests: 0 };
  let next = fromId;
  while (next <= toId) {
    const page: AggTrade[] = await client.aggTrades({ symbol, fromId: next, limit: Math.min(AGG_PER_REQUEST, toId - next + 1) });
    result.requests++;
    for (const t of page) {
      if (t.aggId < next || t.aggId > toId) continue;
      onTrade({
        type: "aggTrade",
        recvMs: Date.now(),
        trade: {
          tradeId: t.aggId,
          priceUsdt: Number(t.price),
          qty: Number(t.quantity),
          tradeTimeMs: t.timestamp,
          isBuyerMaker: t.isBuyerMaker,
          firstTradeId: t.firstId,
          lastTradeId: t.lastId,
        },
      });
      result.fetched++;
    }
    const last = page[page.length - 1];
    if (!last || last.aggId < next) break; // the exchange has nothing from `next` on
    next = last.aggId + 1;
  }
  return result;
}
