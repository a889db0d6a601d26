// Typed market events from Binance USD-M WebSocket payloads (and REST depth snapshots), shared by the
// recorder, capture replay and the local exchange.
import type { DepthDiff, DepthSnapshotLevels } from "./depth-sync.ts";
import { parseLevels } from "./order-book.ts";

export interface TradeEvent {
  tradeId: number;
  priceUsdt: number;
  qty: number;
  tradeTimeMs: number;
  isBuyerMaker: boolean;
}

export interface BookTickerEvent {
  updateId: number;
  bidPrice: number;
  bidQty: number;
  askPrice: number;
  askQty: number;
  transactTimeMs: number;
  eventTimeMs: number;
}

export interface MarkPriceEvent {
  eventTimeMs: number;
  markPrice: number;
  indexPrice: number;
  fundingRate: number;
  nextFundingTimeMs: number;
}

export type MarketEvent =
  | { type: "depth"; recvMs: number; transactTimeMs: number; diff: DepthDiff }
  | { type: "snapshot"; recvMs: number; snapshot: DepthSnapshotLevels }
  | { type: "trade"; recvMs: number; trade: TradeEvent }
  | { type: "aggTrade"; recvMs: number; trade: TradeEvent & { firstTradeId: number; lastTradeId: number } }
  | { type: "bookTicker"; recvMs: number; ticker: BookTickerEvent }
  | { type: "markPrice"; recvMs: number; mark: MarkPriceEvent };

/* eslint-disable @typescript-eslint/no-explicit-any */
/** One payload (the `data` of a combined-stream message, or a raw-stream message) as a typed event. */
export function parsePayload(d: any, recvMs: number): MarketEvent | undefined {
  if (d && typeof d === "object" && "lastUpdateId" in d) {
    return { type: "snapshot", recvMs, snapshot: { lastUpdateId: Number(d.lastUpdateId), bids: parseLevels(d.bids), asks: parseLevels(d.asks) } };
  }
  switch (d?.e) {
    case "depthUpdate":
      return {
        type: "depth",
        recvMs,
        transactTimeMs: Number(d.T),
        diff: { U: Number(d.U), u: Number(d.u), pu: Number(d.pu), eventTimeMs: Number(d.E), bids: parseLevels(d.b), asks: parseLevels(d.a) },
      };
    case "trade":
      return { type: "trade", recvMs, trade: { tradeId: Number(d.t), priceUsdt: Number(d.p), qty: Number(d.q), tradeTimeMs: Number(d.T), isBuyerMaker: Boolean(d.m) } };
    case "aggTrade":
      return {
        type: "aggTrade",
        recvMs,
        trade: {
          tradeId: Number(d.a),
          priceUsdt: Number(d.p),
          qty: Number(d.q),
          tradeTimeMs: Number(d.T),
          isBuyerMaker: Boolean(d.m),
          firstTradeId: Number(d.f),
          lastTradeId: Number(d.l),
        },
      };
    case "bookTicker":
      return {
        type: "bookTicker",
        recvMs,
        ticker: {
          updateId: Number(d.u),
          bidPrice: Number(d.b),
          bidQty: Number(d.B),
          askPrice: Number(d.a),
          askQty: Number(d.A),
          transactTimeMs: Number(d.T),
          eventTimeMs: Number(d.E),
        },
      };
    case "markPriceUpdate":
      return {
        type: "markPrice",
        recvMs,
        mark: { eventTimeMs: Number(d.E), markPrice: Number(d.p), indexPrice: Number(d.i), fundingRate: Number(d.r), nextFundingTimeMs: Number(d.T) },
      };
    default:
      return undefined;
  }
}
