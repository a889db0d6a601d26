// Execution on an exchange: the session's target positions become orders through the exactly-once
// OrderManager (orders.ts) on a Venue (the local exchange, Binance Demo or mainnet). The risk engine
// sizes every entry and attaches its stop-loss and take-profit, which live on the exchange as algo
// orders; the account the session reads is the venue's own (balance, position), marked at the last close.
import { killPoint } from "../core/kill-point.ts";
import { ConfigError } from "../core/errors.ts";
import { barCloseMs } from "../core/time.ts";
import type { PositionView } from "../kernel/observation.ts";
import { nextHolding } from "../kernel/observation.ts";
import { type RiskConfig, RiskEngine, assertTradingRisk, openRiskUsdt, protectionLevels } from "../risk/index.ts";
import type { Position } from "../sim/account.ts";
import type { SimConfig } from "../sim/config.ts";
import { type Side, halfSpreadBpsOr, positionPnlUsdt, takerFillPrice } from "../sim/costs.ts";
import type { BalanceReport, PositionReport, UserStream, Venue } from "../venue/types.ts";
import type { AccountState, Execution, ExecutionReport } from "./execution.ts";
import type { Journal, JournalFill } from "./journal.ts";
import { FillTrades } from "./fill-trades.ts";
import { OrderManager } from "./orders.ts";
import type { ManagerEvent } from "./orders-state.ts";
import type { ClosedBar, FundingRate } from "./paper.ts";
import { reconcile, type ReconcileReport } from "./reconcile.ts";
import type { Health } from "./health.ts";

export interface ExchangeClientOptions {
  venue: Venue;
  journal: Journal;
  symbol: string;
  session: string;
  sim: SimConfig;
  risk: RiskConfig;
  /** Take the exchange's position and foreign orders as this session's at the start (--adopt). */
  adopt: boolean;
  onWarning: (message: string) => void;
  onReconciled?: (r: ReconcileReport) => void;
  /** The session's connection health: reconciliation differences (absent: not reported). */
  health?: Health;
}

/** How far outside a bar's high-low range a stop, take-profit or liquidation price still counts as reached (mark vs last price). */
const PROTECTION_READ_MARGIN = 0.005;

export class ExchangeClient implements Execution {
  readonly mode = "exchange";
  private readonly risk: RiskEngine;
  private manager!: OrderManager;
  private stream?: UserStream;
  private position: PositionReport | undefined;
  private balance: BalanceReport = { walletUsdt: 0, availableUsdt: 0 };
  private lastBar?: ClosedBar;
  private bars = 0;
  private holding = 0;
  private gap?: string;
  private fills: JournalFill[] = [];
  private fundingUsdt = 0;
  private readonly trades = new FillTrades();
  private stopPrice?: number;
  /**
   * A restart holding a position: resync put back a missing stop or take-profit at the levels the
   * entry's intent asked for (from the expected fill); the first bar moves them to the fill's levels.
   */
  private reprotect = false;
  /** The bar's REST read of the account and its balance and position rows, done once its orders are sent. */
  private afterDecision?: () => Promise<void>;
  /**
   * The account read by REST after the last bar's orders is still what the exchange holds: no user
   * event since, no gap. Only a user event (a fill, funding, an algo order's trigger) or a protective
   * order the bar's range may have triggered can change it before the next close, so a quiet bar decides
   * on that read without two REST calls in front of its order (the bar close → order latency).
   */
  private accountQuiet = false;
  private readonly protectionRule: { stopLossPct?: number; takeProfitPct?: number };
  /** Bars after which the journal's position differed from the exchange's even after a REST resync. */
  positionMismatches = 0;

  private constructor(private readonly o: ExchangeClientOptions) {
    // every live position carries a stop on the exchange (§8.3): a config without one is refused here
    assertTradingRisk(o.risk, o.sim);
    if (o.risk.trailingStopPct) throw new ConfigError("risk.trailingStopPct is not traded on an exchange yet (the trailing level would have to move an exchange-side stop each bar)", { hint: "use sim.takeProfitPct for an exchange-side take-profit, or trade the run with --paper" });
    this.risk = new RiskEngine(o.risk, o.sim, { requireStopLoss: true });
    this.protectionRule = { stopLossPct: o.sim.stopLossPct, takeProfitPct: o.sim.takeProfitPct };
  }

  /** Open the user stream, reconcile with the journal, then set the symbol up (one-way, isolated, leverage). */
  static async open(o: ExchangeClientOptions): Promise<ExchangeClient> {
    const c = new ExchangeClient(o);
    try {
      await c.start();
    } catch (err) {
      // a refused start (a difference, rejected keys) leaves no socket open to keep the process alive
      await c.close().catch(() => undefined);
      throw err;
    }
    return c;
  }

  private async start(): Promise<void> {
    const o = this.o;
    const c = this;
    // signed requests are stamped on the exchange's clock, learned before the first of them
    await o.venue.serverTimeMs();
    const filters = await o.venue.exchangeInfo(o.symbol);
    c.manager = await OrderManager.create({ venue: o.venue, journal: o.journal, symbol: o.symbol, session: o.session, filters, onEvent: (e) => c.onManagerEvent(e) });
    c.stream = await o.venue.userStream({
      onEvent: (e) => {
        c.accountQuiet = false;
        if (e.kind === "account" && e.reason === "FUNDING_FEE") for (const b of e.balances) if (b.asset === "USDT") c.fundingUsdt += b.balanceChange;
        void c.manager.handleUserEvent(e);
      },
      onGap: (reason) => {
        c.gap = reason;
        c.accountQuiet = false;
      },
      onError: (err) => o.onWarning(`user stream: ${err.message}`),
    });
    o.onReconciled?.(await reconcile({ venue: o.venue, journal: o.journal, manager: c.manager, symbol: o.symbol, session: o.session, adopt: o.adopt, trigger: "start", health: o.health }));
    // after reconciliation: a position the journal does not know is reported as that, not as a margin
    // type that cannot change while it is open
    await o.venue.setup(o.symbol, o.sim.leverage);
    await c.refresh();
    c.risk.reset(c.equity(Number.NaN));
    c.reprotect = c.manager.positionQty !== 0;
  }

  addFunding(_rows: FundingRate[]): void {
    // the exchange settles funding itself; its ACCOUNT_UPDATE (FUNDING_FEE) is what the session counts
  }

  async barClosed(bar: ClosedBar): Promise<ExecutionReport | undefined> {
    this.lastBar = bar;
    if (this.gap) {
      const reason = this.gap;
      this.gap = undefined;
      killPoint("reconnect");
      await this.manager.resync();
      this.o.onReconciled?.(await reconcile({ venue: this.o.venue, journal: this.o.journal, manager: this.manager, symbol: this.o.symbol, session: this.o.session, adopt: false, trigger: `gap: ${reason}`, health: this.o.health }));
    }
    const before = this.side();
    if (!this.accountQuiet || this.protectionInReach(bar)) await this.readAccount(bar);
    if (this.reprotect) {
      this.reprotect = false;
      await this.protectFromFill(bar.openTime, this.side());
    }
    const report = this.takeReport(bar);
    this.holding = nextHolding(this.holding, before, this.side(), report.closed.length);
    const equity = this.equity(bar.close);
    for (const e of this.risk.onBar(equity, barCloseMs(bar.openTime))) {
      await this.o.journal.recordRiskEvent({ barOpenMs: bar.openTime, kind: e.kind, state: this.risk.state, reason: e.reason, detail: e.message });
      this.o.onWarning(`risk: ${e.message}`);
    }
    if (this.risk.flattenRequired && this.side() !== 0) await this.manager.flatten(`risk: ${this.risk.haltReason}`, bar.openTime, bar.close);
    // journaled after the decision's orders are out: the journal writes in order, one commit at a time,
    // and the intent must not queue behind these (bar close → order request is the latency that matters)
    this.afterDecision = async () => {
      await this.readAccount(bar);
      const p = this.position;
      await this.o.journal.recordBalance({ walletUsdt: this.balance.walletUsdt, availableUsdt: this.balance.availableUsdt, equityUsdt: this.equity(bar.close) }, "bar");
      if (p) await this.o.journal.recordPosition({ qty: p.qty, entryPrice: p.entryPrice, isolatedMarginUsdt: p.isolatedMarginUsdt, liquidationPrice: p.liquidationPrice, markPrice: p.markPrice, unrealizedPnlUsdt: p.unrealizedPnlUsdt }, "bar");
    };
    this.bars++;
    return report;
  }

  async moveTo(target: Side): Promise<void> {
    try {
      await this.move(target);
    } finally {
      const records = this.afterDecision;
      this.afterDecision = undefined;
      await records?.();
    }
  }

  private async move(target: Side): Promise<void> {
    const bar = this.lastBar;
    if (!bar) return;
    const current = this.side();
    if (target === current) return;
    const equityUsdt = this.equity(bar.close);
    const p = this.position;
    const openRisk = p && p.qty !== 0 && target !== 0 && Math.sign(target) === Math.sign(p.qty) ? openRiskUsdt(Math.sign(p.qty) as 1 | -1, Math.abs(p.qty), p.entryPrice, p.isolatedMarginUsdt, this.stopPrice) : 0;
    // sized as the backtest sizes, at the price a taker fill is expected at: the close (the next open is
    // not known yet) moved by half the spread and the slippage
    const expectedFill = takerFillPrice(bar.close, target === 1, halfSpreadBpsOr(bar.spreadBps, this.o.sim.defaultHalfSpreadBps), this.o.sim.slippageBps);
    const answer = this.risk.check({ target, current, refPriceUsdt: expectedFill, timeMs: barCloseMs(bar.openTime) }, { balanceUsdt: this.balance.walletUsdt, equityUsdt, openRiskUsdt: openRisk });
    if (answer.kind === "denial") {
      await this.o.journal.recordRiskEvent({ barOpenMs: bar.openTime, kind: "denial", state: this.risk.state, reason: answer.reason, detail: answer.message });
      this.o.onWarning(`risk denied ${target === 1 ? "long" : target === -1 ? "short" : "flat"}: ${answer.message}`);
      // the closing leg always passes: a denied reversal still closes
      if (current !== 0) await this.manager.applyTarget(0, { barOpenMs: bar.openTime, refPrice: bar.close, reason: `signal (entry denied: ${answer.reason})`, venueQty: this.position?.qty });
      return;
    }
    this.stopPrice = answer.stopPrice;
    const protection = answer.stopPrice !== undefined ? { stopPrice: answer.stopPrice, takeProfitPrice: answer.takeProfitPrice } : undefined;
    // the venue's position was read at this bar's close (barClosed): no second read before the send
    await this.manager.applyTarget(target * answer.qty, { barOpenMs: bar.openTime, refPrice: bar.close, reason: "signal", protection, venueQty: this.position?.qty });
    await this.protectFromFill(bar.openTime, target);
  }

  /**
   * The backtest sets an entry's stop and take-profit from its fill price; the protection placed with
   * the entry was set from the expected price (so the position is never without a stop), and moves to
   * the levels of the actual fill once it is known.
   */
  private async protectFromFill(barOpenMs: number, target: Side): Promise<void> {
    if (target === 0 || this.side() !== target) return;
    const p = await this.o.venue.position(this.o.symbol);
    if (p.qty === 0) return;
    const levels = protectionLevels(target, p.entryPrice, this.protectionRule);
    this.stopPrice = levels.stopPrice;
    if (levels.stopPrice !== undefined) await this.manager.moveStopLoss(levels.stopPrice, barOpenMs);
    if (levels.takeProfitPrice !== undefined) await this.manager.moveTakeProfit(levels.takeProfitPrice, barOpenMs);
  }

  async flattenNow(): Promise<ExecutionReport | undefined> {
    const bar = this.lastBar;
    if (!bar || this.side() === 0) return undefined;
    await this.manager.flatten("exit", bar.openTime, bar.close);
    await this.refresh();
    return this.takeReport(bar);
  }

  positionView(): PositionView {
    const mark = this.lastBar?.close ?? Number.NaN;
    return { side: this.side(), unrealizedPnlUsdt: this.unrealized(mark), equityUsdt: this.equity(mark), holdingBars: this.holding };
  }

  account(): AccountState {
    const p = this.position;
    const mark = this.lastBar?.close ?? Number.NaN;
    const position: Position | undefined = p && p.qty !== 0 ? {
      side: Math.sign(p.qty) as 1 | -1,
      qty: Math.abs(p.qty),
      entryPrice: p.entryPrice,
      marginUsdt: p.isolatedMarginUsdt,
      liquidationPrice: p.liquidationPrice,
      stopPrice: this.stopPrice,
      entryTimeMs: this.trades.open?.entryTimeMs ?? Number.NaN,
      entryBar: this.trades.open?.entryBar ?? 0,
      feesUsdt: this.trades.open?.feesUsdt ?? 0,
      fundingUsdt: this.trades.open?.fundingUsdt ?? 0,
    } : undefined;
    return { balanceUsdt: this.balance.walletUsdt, equityUsdt: this.equity(mark), position };
  }

  async close(): Promise<void> {
    await this.stream?.close();
    this.stream = undefined;
    await this.o.venue.close();
  }

  private side(): Side {
    return Math.sign(this.manager.positionQty) as Side;
  }

  private unrealized(mark: number): number {
    const p = this.position;
    if (!p || p.qty === 0 || !Number.isFinite(mark)) return p?.unrealizedPnlUsdt ?? 0;
    return positionPnlUsdt(Math.sign(p.qty) as 1 | -1, Math.abs(p.qty), p.entryPrice, mark);
  }

  private equity(mark: number): number {
    return this.balance.walletUsdt + this.unrealized(mark);
  }

  private async refresh(): Promise<void> {
    // quiet from here unless an event arrives while the two reads are out (then the next close reads again)
    this.accountQuiet = true;
    try {
      [this.position, this.balance] = await Promise.all([this.o.venue.position(this.o.symbol), this.o.venue.balanceUsdt()]);
    } catch (err) {
      this.accountQuiet = false;
      throw err;
    }
  }

  /**
   * Read the account by REST and hold the journal's position against it. The fills may still be on
   * their way on the user stream (a stop that triggered in this bar): read them from REST; a difference
   * that survives that is a real one.
   */
  private async readAccount(bar: ClosedBar): Promise<void> {
    await this.refresh();
    if (!this.position || this.position.qty === this.manager.positionQty) return;
    await this.manager.resync();
    await this.refresh();
    if (this.position.qty !== this.manager.positionQty) {
      this.positionMismatches++;
      this.o.health?.reconcileDifference(`bar ${new Date(bar.openTime).toISOString()}`, [`the exchange holds ${this.position.qty}, the journal ${this.manager.positionQty}`]);
      this.o.onWarning(`position differs after bar ${new Date(bar.openTime).toISOString()}: the exchange holds ${this.position.qty}, the journal ${this.manager.positionQty}`);
    }
  }

  /**
   * Could one of the position's protective orders (or its liquidation) have triggered inside this bar?
   * They trigger on the mark price, which the bar's last-price range only approximates: a level within
   * PROTECTION_READ_MARGIN of the range counts as reached.
   */
  private protectionInReach(bar: ClosedBar): boolean {
    if (this.manager.positionQty === 0) return false;
    const lo = bar.low * (1 - PROTECTION_READ_MARGIN);
    const hi = bar.high * (1 + PROTECTION_READ_MARGIN);
    const levels = this.manager.liveOrders().filter((o) => o.kind === "algo").map((o) => o.triggerPrice);
    if (this.position && this.position.liquidationPrice > 0) levels.push(this.position.liquidationPrice);
    return levels.some((x) => x >= lo && x <= hi);
  }

  private onManagerEvent(e: ManagerEvent): void {
    if (e.kind === "fill") this.fills.push(e.fill);
    else if (e.kind === "warning") this.o.onWarning(e.message);
  }

  /** Fills and funding since the last report, and the trades they closed (from the venue's own records). */
  private takeReport(bar: ClosedBar): ExecutionReport {
    const fills = this.fills.splice(0);
    const funding = this.fundingUsdt;
    this.fundingUsdt = 0;
    const report: ExecutionReport = { fills: fills.length, feesUsdt: 0, fundingUsdt: funding, closed: [] };
    this.trades.funding(funding);
    for (const f of fills) {
      report.feesUsdt += f.commission;
      const closed = this.trades.fill(f, this.bars);
      if (closed) report.closed.push(closed);
    }
    return report;
  }
}
