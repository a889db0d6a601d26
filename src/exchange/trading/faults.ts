// Injected trading faults, counted per kind so a soak test can print how many of each it survived.
import { MINUTE_MS } from "../../core/time.ts";

export type FaultKind =
  | "unknownError503AfterApply"
  | "timeout1007AfterApply"
  | "rejected1006"
  | "timestamp1021"
  | "error5xx"
  | "userEventDropped"
  | "userEventDelayed"
  | "wsDropped"
  | "listenKeyExpired"
  | "rateLimit429"
  | "ban418"
  | "clockSkew";

export class FaultCounter {
  readonly counts: Partial<Record<FaultKind, number>> = {};

  count(kind: FaultKind): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }
}

/** Binance's ORDERS limits: 300 per 10 seconds and 1200 per minute, reported in X-MBX-ORDER-COUNT-*. */
export const ORDERS_PER_10S = 300;
export const ORDERS_PER_MINUTE = 1200;
const TEN_SECONDS_MS = 10_000;

/** Order counts in the current 10 s and 1 min windows of the server clock. */
export class OrderCounter {
  private win10 = -1;
  private win60 = -1;
  count10s = 0;
  count1m = 0;

  /** Count one new order; false (and nothing counted) when a window is full (-1015). */
  admit(nowMs: number): boolean {
    this.roll(nowMs);
    if (this.count10s >= ORDERS_PER_10S || this.count1m >= ORDERS_PER_MINUTE) return false;
    this.count10s++;
    this.count1m++;
    return true;
  }

  roll(nowMs: number): void {
    const w10 = Math.floor(nowMs / TEN_SECONDS_MS);
    const w60 = Math.floor(nowMs / MINUTE_MS);
    if (w10 !== this.win10) [this.win10, this.count10s] = [w10, 0];
    if (w60 !== this.win60) [this.win60, this.count1m] = [w60, 0];
  }

  headers(): Record<string, string> {
    return { "X-MBX-ORDER-COUNT-10S": String(this.count10s), "X-MBX-ORDER-COUNT-1M": String(this.count1m) };
  }
}
