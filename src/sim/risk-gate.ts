// The port through which the bar simulator asks a risk engine before it opens a position: the intent,
// what the engine answers (a size with its protective levels, or a denial with its reason) and the
// events it raises. src/risk/ implements it; the types live here because the simulator sits below the
// risk engine and must not import it.
import { z } from "zod";
import type { Side } from "./costs.ts";
import type { Protection, SizeLimit } from "./sizing.ts";

export type RiskState = "active" | "reducing" | "halted";
export const RISK_STATES = ["active", "reducing", "halted"] as const;

/** A target position asked for at a reference price (the bar simulator: the fill price at the next open). */
export interface OrderIntent {
  target: Side;
  current: Side;
  refPriceUsdt: number;
  timeMs: number;
}

/** The account as the engine reads it (flat after the closing leg when the intent reverses). */
export interface AccountView {
  balanceUsdt: number;
  equityUsdt: number;
  /** Loss to the stops of the open positions (their margin where they have none). */
  openRiskUsdt: number;
}

export type DenialReason = "halted" | "reducing" | "no-stop-loss" | "below-one-lot";

/** A refused intent: a value returned and recorded, never an exception. */
export interface Denial {
  kind: "denial";
  reason: DenialReason;
  message: string;
  timeMs: number;
  target: Side;
  current: Side;
  /** For "below-one-lot": the size limit that left less than one lot. */
  limitedBy?: SizeLimit;
}

/**
 * What may be opened: the opening leg's quantity (0 when the intent only closes or keeps) and its
 * protective levels. The closing leg of an intent is never refused: reducing exposure always passes.
 */
export interface Approval extends Protection {
  kind: "approval";
  qty: number;
  limitedBy?: SizeLimit;
}

export type HaltReason = "daily-loss" | "max-drawdown" | "manual";

export interface RiskEvent {
  kind: "halt" | "resume" | "reducing";
  reason: HaltReason | "new-day";
  message: string;
  timeMs: number;
  equityUsdt: number;
}

// any double, NaN and ±Infinity included, as in SimStateSchema
const f64 = z.custom<number>((v) => typeof v === "number", "expected a number");

/** The engine's state between bars (a training checkpoint keeps it with the simulator's). */
export const RiskSnapshotSchema = z
  .object({
    state: z.enum(RISK_STATES),
    haltReason: z.enum(["daily-loss", "max-drawdown", "manual"]).optional(),
    /** UTC day (ms since the epoch / DAY_MS) whose starting equity is `dayStartEquityUsdt`; absent before the first bar. */
    day: z.number().int().optional(),
    dayStartEquityUsdt: f64,
    peakEquityUsdt: f64,
  })
  .strict();
export type RiskSnapshot = z.infer<typeof RiskSnapshotSchema>;

export interface RiskGate {
  readonly state: RiskState;
  /** Size the opening leg of an intent, or deny it. */
  check(intent: OrderIntent, view: AccountView): Approval | Denial;
  /** An equity snapshot at a bar's close: the day's start, the peak, and the halts they trigger. */
  onBar(equityUsdt: number, timeMs: number): RiskEvent[];
  /** A new run or episode starting with this equity. */
  reset(equityUsdt: number): void;
  snapshot(): RiskSnapshot;
  restore(s: RiskSnapshot): void;
}
