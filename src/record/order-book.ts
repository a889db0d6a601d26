// A local limit order book for one symbol. Quantities are absolute (Binance depth semantics): a level
// set to 0 is removed. Prices are kept sorted per side with binary-search inserts, so best prices and
// top-N are O(1)/O(N) and an update is O(log n) plus a splice, fast for thousands of levels.

export type Level = [priceUsdt: number, qty: number];

class BookSide {
  /** Prices ascending. Bids read from the end, asks from the start. */
  private readonly prices: number[] = [];
  private readonly qtys = new Map<number, number>();

  constructor(readonly isBid: boolean) {}

  get size(): number {
    return this.prices.length;
  }

  set(price: number, qty: number): void {
    const had = this.qtys.has(price);
    if (qty === 0) {
      if (!had) return;
      this.qtys.delete(price);
      this.prices.splice(this.indexOf(price), 1);
      return;
    }
    this.qtys.set(price, qty);
    if (!had) this.prices.splice(this.lowerBound(price), 0, price);
  }

  clear(): void {
    this.prices.length = 0;
    this.qtys.clear();
  }

  qty(price: number): number {
    return this.qtys.get(price) ?? 0;
  }

  /** The i-th best level (0 = best), or undefined. */
  level(i: number): Level | undefined {
    const n = this.prices.length;
    if (i >= n) return undefined;
    const p = this.isBid ? this.prices[n - 1 - i] : this.prices[i];
    return [p, this.qtys.get(p)!];
  }

  top(n: number): Level[] {
    const out: Level[] = [];
    for (let i = 0; i < n; i++) {
      const l = this.level(i);
      if (!l) break;
      out.push(l);
    }
    return out;
  }

  private lowerBound(price: number): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.prices[mid] < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(price: number): number {
    return this.lowerBound(price);
  }
}

export class OrderBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  /** Final update id of the last snapshot or diff applied. */
  lastUpdateId = 0;

  reset(bids: Iterable<Level>, asks: Iterable<Level>, lastUpdateId: number): void {
    this.bids.clear();
    this.asks.clear();
    for (const [p, q] of bids) this.bids.set(p, q);
    for (const [p, q] of asks) this.asks.set(p, q);
    this.lastUpdateId = lastUpdateId;
  }

  /** Apply absolute quantities for levels of one side. */
  apply(isBid: boolean, levels: Iterable<Level>): void {
    const side = isBid ? this.bids : this.asks;
    for (const [p, q] of levels) side.set(p, q);
  }

  bestBid(): Level | undefined {
    return this.bids.level(0);
  }

  bestAsk(): Level | undefined {
    return this.asks.level(0);
  }

  /** True when the best bid is at or above the best ask: a broken book. */
  isCrossed(): boolean {
    const b = this.bestBid();
    const a = this.bestAsk();
    return b !== undefined && a !== undefined && b[0] >= a[0];
  }
}

/** ["63943.90","46.372"] pairs from Binance JSON into numeric levels. */
export function parseLevels(raw: readonly (readonly [string, string])[]): Level[] {
  const out: Level[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = [Number(raw[i][0]), Number(raw[i][1])];
  return out;
}
