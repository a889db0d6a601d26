// Indicators on the real sample against independent references: technicalindicators (MACD, Bollinger)
// and a from-the-definition Wilder RSI written here (technicalindicators rounds RSI to 2 decimals).
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { BollingerBands, MACD } from "technicalindicators";
import { describe, expect, it } from "vitest";
import { SAMPLE_KLINES } from "../../test/helpers/sample-store.ts";
import { Bollinger, Macd, WilderRsi } from "./indicators.ts";

const closes = gunzipSync(readFileSync(SAMPLE_KLINES)).toString("utf8").trim().split("\n").slice(1).slice(0, 5000).map((l) => Number(l.split(",")[4]));

/** Wilder (1978): first averages are plain means of the first 14 gains/losses, then a 1/14 smoothing. */
function referenceRsi(values: number[], period = 14): number[] {
  const gains = values.slice(1).map((v, i) => Math.max(v - values[i], 0));
  const losses = values.slice(1).map((v, i) => Math.max(values[i] - v, 0));
  let avgGain = gains.slice(0, period).reduce((a, b) => a + b) / period;
  let avgLoss = losses.slice(0, period).reduce((a, b) => a + b) / period;
  const out = [100 - 100 / (1 + avgGain / avgLoss)];
  for (let i = period; i < gains.length; i++) {
    avgGain = (avgGain * (period - 1) + gains[i]) / period;
    avgLoss = (avgLoss * (period - 1) + losses[i]) / period;
    out.push(100 - 100 / (1 + avgGain / avgLoss));
  }
  return out;
}

describe("indicators on real BTCUSDT closes", () => {
  it("Wilder RSI(14) equals the textbook computation to 1e-6", () => {
    const rsi = new WilderRsi(14);
    const ours = closes.map((c) => rsi.push(c)).filter((v) => !Number.isNaN(v));
    const ref = referenceRsi(closes);
    expect(ours.length).toBe(ref.length);
    expect(ours.length).toBe(closes.length - 14);
    ours.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-6));
  });

  it("MACD(12, 26, 9) on EMAs equals technicalindicators to 1e-6", () => {
    const macd = new Macd(12, 26, 9);
    const ours: { macd: number; signal: number; hist: number }[] = [];
    for (const c of closes) {
      macd.push(c);
      if (!Number.isNaN(macd.signal)) ours.push({ macd: macd.macd, signal: macd.signal, hist: macd.histogram });
    }
    const ref = MACD.calculate({ values: closes, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false }).filter((r) => r.signal !== undefined);
    expect(ours.length).toBe(ref.length);
    expect(ours.length).toBe(closes.length - 33);
    ours.forEach((o, i) => {
      expect(Math.abs(o.macd - ref[i].MACD!)).toBeLessThan(1e-6);
      expect(Math.abs(o.signal - ref[i].signal!)).toBeLessThan(1e-6);
      expect(Math.abs(o.hist - ref[i].histogram!)).toBeLessThan(1e-6);
    });
  });

  it("Bollinger(20, 2) equals technicalindicators to 1e-6", () => {
    const bb = new Bollinger(20, 2);
    const ours: number[][] = [];
    for (const c of closes) {
      bb.push(c);
      if (!Number.isNaN(bb.middle)) ours.push([bb.middle, bb.upper, bb.lower, bb.percentB]);
    }
    const ref = BollingerBands.calculate({ period: 20, stdDev: 2, values: closes });
    expect(ours.length).toBe(ref.length);
    ours.forEach(([m, u, l, pb], i) => {
      expect(Math.abs(m - ref[i].middle)).toBeLessThan(1e-6);
      expect(Math.abs(u - ref[i].upper)).toBeLessThan(1e-6);
      expect(Math.abs(l - ref[i].lower)).toBeLessThan(1e-6);
      if (ref[i].upper !== ref[i].lower) expect(Math.abs(pb - ref[i].pb)).toBeLessThan(1e-6);
    });
  });
});
