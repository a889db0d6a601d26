// What the trading session asks of whoever fills its orders: the paper client (the bar simulator) or
// an exchange (orders through the venue). The session owns decisions; the execution owns the account.
import type { PositionView } from "../kernel/observation.ts";
import type { Denial, RiskEvent } from "../risk/index.ts";
import type { Position, Trade } from "../sim/account.ts";
import type { Side } from "../sim/costs.ts";
import { type ClosedBar, type FundingRate, PaperExecution } from "./paper.ts";
import type { SimConfig } from "../sim/config.ts";
import type { SimOptions } from "../sim/simulator.ts";

export interface ExecutionReport {
  /** Fills in this bar (entries and exits, stops and take-profits included). */
  fills: number;
  feesUsdt: number;
  fundingUsdt: number;
  /** Trades that closed in this bar. */
  closed: Trade[];
  /** What the risk engine said in this bar: an entry it refused, halts and resumes. */
  denial?: Denial;
  riskEvents?: RiskEvent[];
}

export interface AccountState {
  balanceUsdt: number;
  equityUsdt: number;
  position: Position | undefined;
}

export interface Execution {
  readonly mode: "paper" | "exchange";
  /** Funding settlements known so far (before the bar that holds them closes). */
  addFunding(rows: FundingRate[]): void;
  /** A bar closed: what the market did to the account during it. */
  barClosed(bar: ClosedBar): Promise<ExecutionReport | undefined>;
  /** The decision at the last close: hold `target` from the next bar on. */
  moveTo(target: Side): Promise<void>;
  /** Close what is open now (Ctrl-C with --on-exit flatten). */
  flattenNow(): Promise<ExecutionReport | undefined>;
  positionView(): PositionView;
  account(): AccountState;
}

/** The paper client as an Execution. */
export class PaperClient implements Execution {
  readonly mode = "paper";
  private readonly paper: PaperExecution;

  /** The bar simulator with the run's costs, its symbol's brackets and the run's risk engine, as a replay builds it. */
  constructor(cfg: SimConfig, opts: SimOptions) {
    this.paper = new PaperExecution(cfg, opts);
  }

  addFunding(rows: FundingRate[]): void {
    this.paper.addFunding(rows);
  }

  async barClosed(bar: ClosedBar): Promise<ExecutionReport | undefined> {
    const r = this.paper.barClosed(bar);
    return r && { fills: r.fills, feesUsdt: r.feesUsdt, fundingUsdt: r.fundingUsdt, closed: r.closed, denial: r.denial, riskEvents: r.riskEvents };
  }

  async moveTo(target: Side): Promise<void> {
    this.paper.decide(target);
  }

  async flattenNow(): Promise<ExecutionReport | undefined> {
    const closed = this.paper.closeNow();
    return closed && { fills: 1, feesUsdt: closed.exitFeeUsdt, fundingUsdt: 0, closed: [closed.trade] };
  }

  positionView(): PositionView {
    return this.paper.positionView();
  }

  account(): AccountState {
    const a = this.paper.account;
    return { balanceUsdt: a.balanceUsdt, equityUsdt: this.paper.equityUsdt, position: a.position && { ...a.position } };
  }
}
