// The live driver: market events in, one finished bar's BarInput out, then the same FeatureEngine and
// Normalizer as history. The per-bar aggregations here are the JS twins of the SQL in sources.ts (a
// test holds them equal on the real captures).
import { MINUTE_MS } from "../core/time.ts";
import type { MarketEvent } from "../record/events.ts";
import type { OrderBook } from "../record/order-book.ts";
import { type BarInput, emptyBar } from "./bar-input.ts";
import { bookStats, ofiStep } from "./book-stats.ts";
import { FEATURE_COUNT } from "./definitions.ts";
import { FeatureEngine, LARGE_TRADE_NOTIONAL_USDT } from "./engine.ts";
import { type NormParams, Normalizer } from "./normalize.ts";

/** Accumulates one bar of trades, best-level changes and depth-level changes. */
export class LiveBarBuilder {
  private bar: BarInput;
  private prevTicker?: { bid: number; bidQty: number; ask: number; askQty: number };
  private readonly levelQty = new Map<string, number>();
  /** Taker orders of the bar keyed by (time, side, price) when only raw trades are known. */
  private readonly orders = new Set<string>();

  constructor(public openTime: number) {
    this.bar = emptyBar(openTime);
    for (const f of ["aggCount", "fills", "buyVolume", "sellVolume", "largeVolume", "ofi", "levelIncreases", "levelDecreases"] as const) this.bar[f] = 0;
  }

  add(ev: MarketEvent): void {
    switch (ev.type) {
      case "aggTrade":
        return this.trade(ev.trade.priceUsdt, ev.trade.qty, ev.trade.isBuyerMaker, ev.trade.lastTradeId - ev.trade.firstTradeId + 1, true, "");
      case "trade": {
        const key = `${ev.trade.tradeTimeMs}|${ev.trade.isBuyerMaker}|${ev.trade.priceUsdt}`;
        const isNewOrder = !this.orders.has(key);
        this.orders.add(key);
        return this.trade(ev.trade.priceUsdt, ev.trade.qty, ev.trade.isBuyerMaker, 1, isNewOrder, key);
      }
      case "bookTicker": {
        const t = ev.ticker;
        const p = this.prevTicker;
        if (p) this.bar.ofi += ofiStep(p.bid, p.bidQty, p.ask, p.askQty, t.bidPrice, t.bidQty, t.askPrice, t.askQty);
        this.prevTicker = { bid: t.bidPrice, bidQty: t.bidQty, ask: t.askPrice, askQty: t.askQty };
        return;
      }
      case "depth":
        for (const [isBid, levels] of [[true, ev.diff.bids], [false, ev.diff.asks]] as const) {
          for (const [price, qty] of levels) {
            const key = `${isBid}|${price}`;
            const prev = this.levelQty.get(key);
            if (prev !== undefined) {
              if (qty > prev) this.bar.levelIncreases++;
              else if (qty < prev) this.bar.levelDecreases++;
            }
            this.levelQty.set(key, qty);
          }
        }
        return;
      default:
        return;
    }
  }

  /** Close the bar with its kline and the book at the close; start the next bar (state carries over). */
  finish(kline: { open: number; high: number; low: number; close: number; volume: number; quoteVolume?: number; trades?: number; takerBuyVolume?: number }, book?: OrderBook): BarInput {
    const b = this.bar;
    b.open = kline.open;
    b.high = kline.high;
    b.low = kline.low;
    b.close = kline.close;
    b.volume = kline.volume;
    b.quoteVolume = kline.quoteVolume ?? Number.NaN;
    b.klineTrades = kline.trades ?? Number.NaN;
    b.takerBuyVolume = kline.takerBuyVolume ?? Number.NaN;
    if (book && book.bids.size > 0 && book.asks.size > 0) Object.assign(b, bookStats(book.bids.top(20), book.asks.top(20)));
    const done = b;
    this.bar = emptyBar(this.openTime + MINUTE_MS);
    for (const f of ["aggCount", "fills", "buyVolume", "sellVolume", "largeVolume", "ofi", "levelIncreases", "levelDecreases"] as const) this.bar[f] = 0;
    this.orders.clear();
    this.orderQty.clear();
    this.openTime += MINUTE_MS;
    return done;
  }

  /** `orderKey` is "" for aggTrades (already one per taker order), else the raw trade's (time, side, price). */
  private trade(price: number, qty: number, isBuyerMaker: boolean, fills: number, newOrder: boolean, orderKey: string): void {
    const b = this.bar;
    if (newOrder) b.aggCount++;
    b.fills += fills;
    if (isBuyerMaker) b.sellVolume += qty;
    else b.buyVolume += qty;
    // large orders are judged per taker order (aggregate), as in SQL: accumulate per order key
    if (orderKey === "") {
      if (price * qty >= LARGE_TRADE_NOTIONAL_USDT) b.largeVolume += qty;
    } else {
      const before = this.orderQty.get(orderKey) ?? 0;
      const cur = before + qty;
      const wasLarge = before * price >= LARGE_TRADE_NOTIONAL_USDT;
      this.orderQty.set(orderKey, cur);
      if (cur * price >= LARGE_TRADE_NOTIONAL_USDT) b.largeVolume += wasLarge ? qty : cur;
    }
  }

  private readonly orderQty = new Map<string, number>();
}

/** FeatureEngine + Normalizer, one bar at a time: what `rlt trade` runs. */
export class LiveFeatures {
  private readonly engine = new FeatureEngine();
  private readonly normalizer: Normalizer;
  readonly raw = new Float64Array(FEATURE_COUNT);
  readonly normalized = new Float64Array(FEATURE_COUNT);
  readonly mask = new Uint8Array(FEATURE_COUNT);

  constructor(params: NormParams[]) {
    this.normalizer = new Normalizer(params);
  }

  push(bar: BarInput): void {
    this.engine.push(bar, this.raw, this.mask);
    this.normalizer.push(this.raw, this.normalized);
  }
}
