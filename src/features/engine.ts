// The feature engine: one bar in, 30 raw features and their masks out, with constant work per bar.
// History (batch) and live trading both drive this same class, bar by bar.
import type { BarInput } from "./bar-input.ts";
import { FEATURE_COUNT, MASK } from "./definitions.ts";
import { Bollinger, Ema, Macd, Ring, WilderRsi } from "./indicators.ts";

/** Notional at or above which an aggregate trade counts as large (USDT). */
export const LARGE_TRADE_NOTIONAL_USDT = 100_000;
/** Window of trade_flow_imbalance, bars. */
export const FLOW_WINDOW = 15;
const SECONDS_PER_BAR = 60;

type Mask = (typeof MASK)[keyof typeof MASK];

export class FeatureEngine {
  private readonly closes = new Ring(16);
  private readonly volumes = new Ring(3);
  private readonly volEma = new Ema(20);
  private readonly rsi = new WilderRsi(14);
  private readonly macd = new Macd(12, 26, 9);
  private readonly bb = new Bollinger(20, 2);
  /** Signed and total taker volume of the last FLOW_WINDOW bars, and the worst mask among them. */
  private readonly flowSigned = new Ring(FLOW_WINDOW);
  private readonly flowTotal = new Ring(FLOW_WINDOW);
  private readonly flowMask = new Ring(FLOW_WINDOW);
  bars = 0;

  /** Compute bar t's features into out[offset..offset+29] and mask[offset..offset+29]. */
  push(b: BarInput, out: Float64Array, mask: Uint8Array, offset = 0): void {
    this.bars++;
    this.closes.push(b.close);
    this.volumes.push(b.volume);
    const volEma = this.volEma.push(b.volume);
    this.rsi.push(b.close);
    this.macd.push(b.close);
    this.bb.push(b.close);
    this.out = out;
    this.mask = mask;
    this.i = offset;
    const set = this.set;

    // OHLCV
    set(b.open, MASK.measured);
    set(b.high, MASK.measured);
    set(b.low, MASK.measured);
    set(b.close, MASK.measured);
    set(b.volume, MASK.measured);
    if (Number.isFinite(b.quoteVolume) && b.volume > 0) set(b.quoteVolume / b.volume, MASK.measured);
    else set((b.high + b.low + b.close) / 3, MASK.proxy);

    // trade-derived
    const { signed, total, m: flowM } = this.takerFlow(b);
    this.flowSigned.push(signed);
    this.flowTotal.push(total);
    this.flowMask.push(flowM);
    set(total > 0 ? signed / total : Number.NaN, flowM);
    set(Math.log(b.close / this.closes.back(5)), MASK.measured);
    set(Math.log(b.close / this.closes.back(15)), MASK.measured);
    set(Math.log(b.close / this.closes.back(1)), MASK.measured);
    const trades = Number.isFinite(b.fills) ? b.fills : b.klineTrades;
    set(trades > 0 ? b.volume / trades : Number.NaN, MASK.measured);
    set(trades, MASK.measured);
    set((b.volume - 2 * this.volumes.back(1) + this.volumes.back(2)) / volEma, MASK.measured);
    const aggVolume = b.buyVolume + b.sellVolume;
    set(aggVolume > 0 ? b.largeVolume / aggVolume : Number.NaN, MASK.measured);
    set(this.flowImbalance(), this.worstFlowMask());
    set(this.rsi.value, MASK.measured);
    set(this.macd.histogram / b.close, MASK.measured);
    set(this.bb.percentB, MASK.measured);

    // order book
    set(b.spreadBps, MASK.measured);
    set(b.bookImbalance, MASK.measured);
    set(b.bookDepth, MASK.measured);
    set(b.priceImpactBps, MASK.measured);
    set(b.ofi, MASK.measured);
    set(b.levelIncreases / SECONDS_PER_BAR, MASK.measured);
    // level decreases caused by trades are approximated by the number of taker orders (aggTrades)
    set(Math.max(0, b.levelDecreases - (Number.isFinite(b.aggCount) ? b.aggCount : 0)) / SECONDS_PER_BAR, Number.isFinite(b.aggCount) ? MASK.measured : MASK.proxy);
    set(b.aggCount / SECONDS_PER_BAR, MASK.measured);
    set(b.bookPressure, MASK.measured);
    set(b.liquidityNearShare, MASK.measured);
    set(b.bookSlope, MASK.measured);
    set(b.micropriceDevBps, MASK.measured);
    if (this.i !== offset + FEATURE_COUNT) throw new Error(`internal: engine wrote ${this.i - offset} features, expected ${FEATURE_COUNT}`);
  }

  private out: Float64Array<ArrayBufferLike> = new Float64Array(FEATURE_COUNT);
  private mask: Uint8Array<ArrayBufferLike> = new Uint8Array(FEATURE_COUNT);
  private i = 0;
  /** Write the next feature: a non-finite value is stored as NaN and masked missing. */
  private readonly set = (v: number, m: Mask): void => {
    const missing = !Number.isFinite(v);
    this.out[this.i] = missing ? Number.NaN : v;
    this.mask[this.i] = missing ? MASK.missing : m;
    this.i++;
  };

  /** Taker buy − sell volume of the bar: aggTrades when present, else the klines' taker-buy volume (proxy). */
  private takerFlow(b: BarInput): { signed: number; total: number; m: Mask } {
    if (Number.isFinite(b.buyVolume) && Number.isFinite(b.sellVolume)) return { signed: b.buyVolume - b.sellVolume, total: b.buyVolume + b.sellVolume, m: MASK.measured };
    if (Number.isFinite(b.takerBuyVolume) && b.volume > 0) return { signed: 2 * b.takerBuyVolume - b.volume, total: b.volume, m: MASK.proxy };
    return { signed: Number.NaN, total: Number.NaN, m: MASK.missing };
  }

  private flowImbalance(): number {
    if (this.flowTotal.count < FLOW_WINDOW) return Number.NaN;
    const t = this.flowTotal.sum();
    return t > 0 ? this.flowSigned.sum() / t : Number.NaN;
  }

  private worstFlowMask(): Mask {
    return this.flowMask.max() as Mask;
  }
}
