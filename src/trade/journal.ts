// The session journal: one DuckDB file per session (runs/<run>/sessions/<session>/journal.duckdb) holding
// what the session saw, decided and did, written as it happens. Each write is its own committed
// transaction (a status change and its event together), so a kill -9 at any point leaves a file that
// opens consistent; reopening the file continues the session. Writes go through one queue: DuckDB's
// transactions are per connection, and two interleaved async writers would share one.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement, DuckDBValue } from "@duckdb/node-api";
import { DataError } from "../core/errors.ts";
import type { Trade } from "../sim/account.ts";
import { redactSecrets } from "../venue/keys.ts";
import type { TradeReport } from "../venue/types.ts";
import { FINAL_ALGO_STATUSES, FINAL_ORDER_STATUSES, sideSign } from "../venue/types.ts";
import type { AccountState } from "./execution.ts";
import { IntentLog, type IntentRecord } from "./intent-log.ts";
import { JOURNAL_DDL, JOURNAL_VERSION } from "./journal-schema.ts";

export interface SessionInfo {
  session: string;
  run: string;
  model: string;
  exchange: string;
  mode: string;
  symbol: string;
  config: unknown;
}

/** Journal order statuses: pending (journaled, maybe sent), unknown (sent, outcome unknown), rejected (never existed), or the venue's own status. */
export type JournalStatus = "pending" | "unknown" | "rejected" | string;

export interface JournalOrder {
  clientId: string;
  kind: "order" | "algo";
  symbol: string;
  leg: string;
  barOpenMs: number;
  revision: number;
  side: "BUY" | "SELL";
  type: string;
  qty: number;
  triggerPrice: number;
  reduceOnly: boolean;
  status: JournalStatus;
  venueOrderId?: string;
  triggeredOrderId?: string;
  executedQty: number;
  avgPrice: number;
  sends: number;
  createdMs: number;
  updatedMs: number;
  adopted: boolean;
}

export interface JournalFill extends TradeReport {
  clientId?: string;
  source: "stream" | "rest" | "reconcile";
}

/** Stop-loss and take-profit prices an entry asks for once it fills (journaled with its intent, so a restart can place them). */
export interface Protection {
  stopPrice: number;
  takeProfitPrice?: number;
}

export interface BarRow {
  openTimeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  features: ArrayLike<number>;
  /** The bar's book spread (bps) the paper fill used; NaN when the session had no book. */
  spreadBps: number;
}

export interface DecisionRow {
  barOpenMs: number;
  action: number;
  probs: ArrayLike<number>;
  targetSide: number;
  targetQty: number;
  note?: string;
}

/** An alert as the journal keeps it (the shape of monitor/types.ts Alert, which the journal does not import). */
export interface JournalAlert {
  atMs: number;
  barOpenTimeMs?: number;
  level: string;
  category: string;
  kind: string;
  subject?: string;
  message: string;
  suppressed?: number;
}

/** What a session has realized, paid and closed so far (SessionState's totals). */
export interface SessionTotals {
  realizedPnlUsdt: number;
  feesUsdt: number;
  fundingUsdt: number;
  trades: number;
}

/** A bar's drift: the index of each feature's rolling window against the training deciles, and of the live action mix. */
export interface DriftRow {
  barOpenMs: number;
  window: number;
  filled: number;
  threshold: number;
  features: string[];
  psi: ArrayLike<number>;
  actionPsi?: number;
}

/** @duckdb/node-api, loaded by the first open (never at import: `rlt --help` loads no DuckDB); a dynamic import per write costs ~0.2 ms. */
let duck: typeof import("@duckdb/node-api") | undefined;

/** Whether a journaled order can still change on the venue (fill, trigger, be cancelled). */
export function isLive(o: Pick<JournalOrder, "kind" | "status">): boolean {
  if (o.status === "rejected") return false;
  return !(o.kind === "algo" ? FINAL_ALGO_STATUSES : FINAL_ORDER_STATUSES).has(o.status);
}

/** The lock a session's trader holds while it runs (one trader per session; `rlt trade status` reads its holder). */
export function sessionLockPath(sessionDir: string): string {
  return path.join(sessionDir, "session.lock");
}

/** The journal file of a session under a run folder. */
export function journalPath(runDir: string, session: string): string {
  return path.join(runDir, "sessions", session, "journal.duckdb");
}

export class Journal {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private intentFailure?: Error;
  /** Prepared once, bound per write: preparing costs ~1 ms a statement, a bound run ~0.1 ms (the send path's budget is 5 ms). */
  private readonly statements = new Map<string, DuckDBPreparedStatement>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly file: string,
    readonly session: SessionInfo,
    /** True when the file already held this session: the caller continues it. */
    readonly resumed: boolean,
    private readonly now: () => number,
    /** Intents land here before their DuckDB row (absent for an in-memory journal). */
    private readonly intents: IntentLog | undefined,
  ) {}

  static async open(file: string, info: SessionInfo, opts: { nowMs?: () => number } = {}): Promise<Journal> {
    duck ??= await import("@duckdb/node-api");
    const { DuckDBInstance } = duck;
    if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
    const instance = await DuckDBInstance.create(file);
    const conn = await instance.connect();
    const now = opts.nowMs ?? Date.now;
    const version = await storedVersion(conn);
    if (version !== undefined && version > JOURNAL_VERSION) {
      conn.closeSync();
      instance.closeSync();
      throw new DataError(`${file} is a session journal of version ${version}, written by a newer rlt (this one writes ${JOURNAL_VERSION})`, { hint: "continue or read the session with the rlt that wrote it, or start a new session (--session <new name>)" });
    }
    await conn.run(JOURNAL_DDL);
    const existing = (await conn.runAndReadAll("SELECT session FROM session")).getRowObjectsJS();
    if (existing.length > 0 && existing[0].session !== info.session) {
      conn.closeSync();
      throw new DataError(`${file} is the journal of session ${String(existing[0].session)}, not ${info.session}`);
    }
    const resumed = existing.length > 0;
    const j = new Journal(instance, conn, file, info, resumed, now, file === ":memory:" ? undefined : new IntentLog(`${file}.intents`));
    await j.replayIntents();
    await j.write(async () => {
      await conn.run("BEGIN");
      // the tables are additive: once the DDL above has run, an older journal is this version's
      await conn.run("INSERT OR REPLACE INTO meta VALUES ('version', $1)", [String(JOURNAL_VERSION)]);
      if (resumed) await conn.run("UPDATE session SET starts = starts + 1, stopped_ms = NULL, stop_reason = NULL");
      else {
        await conn.run("INSERT INTO session VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, 1)", [
          info.session, info.run, info.model, info.exchange, info.mode, info.symbol, redactSecrets(JSON.stringify(info.config ?? null)), now(),
        ]);
      }
      await conn.run("INSERT INTO starts VALUES ($1, $2)", [now(), process.pid]);
      await conn.run("COMMIT");
    });
    return j;
  }

  /** Run one write after every earlier one; a failed transaction is rolled back so the next starts clean. */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new DataError(`the journal ${this.file} is closed`));
    // an intent whose row could not be written (a full disk) stops every write after it: the log keeps it for the next open
    if (this.intentFailure) return Promise.reject(this.intentFailure);
    const next = this.queue.then(async () => {
      try {
        return await fn();
      } catch (err) {
        await this.conn.run("ROLLBACK").catch(() => undefined);
        throw err;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** One statement through the cache of prepared statements (call inside write()). */
  private async exec(sql: string, values: DuckDBValue[] = []): Promise<{ rowsChanged: number }> {
    let st = this.statements.get(sql);
    if (!st) {
      st = await this.conn.prepare(sql);
      this.statements.set(sql, st);
    }
    if (values.length) st.bind(values);
    return st.run();
  }

  /** Statements run as one committed transaction, after every earlier write. */
  private tx(fn: () => Promise<unknown>): Promise<unknown> {
    return this.write(async () => {
      await this.exec("BEGIN TRANSACTION");
      await fn();
      await this.exec("COMMIT");
    });
  }

  /** An INSERT whose primary key may already be there (a re-read fill, a bar seen again after a restart): false then. */
  private insertOnce(sql: string, values: DuckDBValue[]): Promise<boolean> {
    return this.write(async () => {
      try {
        await this.exec(sql, values);
        return true;
      } catch (err) {
        if (/duplicate key|constraint/i.test((err as Error).message)) return false;
        throw err;
      }
    });
  }

  private run(sql: string, values: DuckDBValue[]): Promise<unknown> {
    return this.write(() => this.exec(sql, values));
  }

  /** A bar the session decided on; false when already journaled (a restart replays the last bar). */
  async recordBar(b: BarRow): Promise<boolean> {
    const { listValue } = duck!;
    // a plain INSERT: DuckDB's OR REPLACE / OR IGNORE cost ~2 ms more on the bar-close path
    return this.insertOnce("INSERT INTO bars VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", [b.openTimeMs, b.open, b.high, b.low, b.close, b.volume, listValue(Array.from(b.features)), this.now(), Number.isFinite(b.spreadBps) ? b.spreadBps : null]);
  }

  async recordDecision(d: DecisionRow): Promise<void> {
    const { listValue } = duck!;
    await this.run("INSERT INTO decisions VALUES ($1, $2, $3, $4, $5, $6, $7)", [d.barOpenMs, this.now(), d.action, listValue(Array.from(d.probs)), d.targetSide, d.targetQty, d.note ?? null]);
  }

  async recordRiskEvent(e: { barOpenMs?: number; kind: string; state: string; reason: string; detail?: unknown }): Promise<void> {
    await this.run("INSERT INTO risk_events VALUES ($1, $2, $3, $4, $5, $6)", [this.now(), e.barOpenMs ?? null, e.kind, e.state, e.reason, e.detail === undefined ? null : JSON.stringify(e.detail)]);
  }

  /**
   * The intent: its order row (status pending), committed before anything is sent. One INSERT is the
   * whole write on the send path; its first order_events row is queued right behind it.
   * `sending`: the first send follows at once and is counted here.
   */
  async recordIntent(o: Omit<JournalOrder, "status" | "executedQty" | "avgPrice" | "sends" | "createdMs" | "updatedMs" | "adopted">, reason: string, protection?: Protection, opts: { sending?: boolean } = {}): Promise<void> {
    const t = this.now();
    const sends = opts.sending ? 1 : 0;
    const record: IntentRecord = {
      v: 1,
      row: [o.clientId, o.kind, o.symbol, o.leg, o.barOpenMs, o.revision, o.side, o.type, o.qty, o.triggerPrice, o.reduceOnly, o.venueOrderId ?? null, o.triggeredOrderId ?? null, t, sends, reason, protection?.stopPrice ?? null, protection?.takeProfitPrice ?? null],
      event: { tsMs: t, clientId: o.clientId, detail: sends ? `${reason}; sending` : reason },
    };
    if (this.closed) throw new DataError(`the journal ${this.file} is closed`);
    if (!this.intents) return this.insertIntent(record);
    // durable against a kill once appended: the send need not wait for the DuckDB commit, which is
    // queued behind it (every later write and read of this order comes after it in the queue)
    this.intents.append(record);
    void this.insertIntent(record).catch((err) => (this.intentFailure ??= err as Error));
  }

  /** The order row of an intent (status pending) and its first order_events row. */
  private async insertIntent(r: IntentRecord): Promise<void> {
    await this.run(INSERT_INTENT, r.row);
    // a failure here is the next write's to report; the order row already stands
    void this.run("INSERT INTO order_events (ts_ms, client_id, status, detail) VALUES ($1, $2, 'pending', $3)", [r.event.tsMs, r.event.clientId, r.event.detail]).catch(() => undefined);
  }

  /**
   * At open: intents in the log that a crash kept out of DuckDB become their order rows now (before the
   * order manager loads them, so it queries each one by its client id), then the log starts afresh.
   */
  private async replayIntents(): Promise<void> {
    if (!this.intents) return;
    const records = IntentLog.read(this.intents.file);
    if (records.length) {
      const known = new Set((await this.rows<{ client_id: string }>("SELECT client_id FROM orders")).map((r) => r.client_id));
      const missing = records.filter((r) => !known.has(r.event.clientId));
      if (missing.length) {
        await this.tx(async () => {
          for (const r of missing) {
            await this.exec(INSERT_INTENT, r.row);
            await this.exec("INSERT INTO order_events (ts_ms, client_id, status, detail) VALUES ($1, $2, 'pending', $3)", [r.event.tsMs, r.event.clientId, `${r.event.detail} (recovered from the intent log)`]);
          }
        });
      }
    }
    this.intents.clear();
  }

  /** An order found on the venue that this journal did not place (adopted at reconciliation). */
  async recordAdoptedOrder(o: Omit<JournalOrder, "executedQty" | "avgPrice" | "sends" | "createdMs" | "updatedMs" | "adopted">): Promise<void> {
    const t = this.now();
    await this.tx(async () => {
      await this.exec("INSERT OR IGNORE INTO orders VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, 0, 0, $15, $15, true, 'adopted', NULL, NULL)", [
        o.clientId, o.kind, o.symbol, o.leg, o.barOpenMs, o.revision, o.side, o.type, o.qty, o.triggerPrice, o.reduceOnly, o.status, o.venueOrderId ?? null, o.triggeredOrderId ?? null, t,
      ]);
      await this.exec("INSERT INTO order_events (ts_ms, client_id, status, detail) VALUES ($1, $2, $3, 'adopted from the venue')", [t, o.clientId, o.status]);
    });
  }

  /** A status change (with what the venue said) and its order_events row, together. */
  async updateOrder(clientId: string, patch: Partial<Pick<JournalOrder, "status" | "venueOrderId" | "triggeredOrderId" | "executedQty" | "avgPrice" | "triggerPrice">> & { sent?: boolean }, detail = ""): Promise<void> {
    const t = this.now();
    const sets: string[] = ["updated_ms = $1"];
    const values: DuckDBValue[] = [t];
    const col: Record<string, string> = { status: "status", venueOrderId: "venue_order_id", triggeredOrderId: "triggered_order_id", executedQty: "executed_qty", avgPrice: "avg_price", triggerPrice: "trigger_price" };
    for (const [k, c] of Object.entries(col)) {
      const v = (patch as Record<string, DuckDBValue | undefined>)[k];
      if (v !== undefined) {
        values.push(v);
        sets.push(`${c} = $${values.length}`);
      }
    }
    if (patch.sent) sets.push("sends = sends + 1");
    values.push(clientId);
    const where = `$${values.length}`;
    await this.tx(async () => {
      await this.exec(`UPDATE orders SET ${sets.join(", ")} WHERE client_id = ${where}`, values);
      const status = patch.status ?? (patch.sent ? "sent" : "update");
      await this.exec("INSERT INTO order_events (ts_ms, client_id, status, detail) VALUES ($1, $2, $3, $4)", [t, clientId, status, redactSecrets(detail)]);
    });
  }

  /** A venue execution, once: false when its trade id is already journaled (a duplicate event or a re-read). */
  async recordFill(f: JournalFill): Promise<boolean> {
    return this.insertOnce("INSERT INTO fills VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)", [
      f.tradeId, f.clientId ?? null, f.orderId, f.symbol, f.side, f.qty, f.price, f.commission, f.commissionAsset, f.realizedPnlUsdt, f.maker, f.timeMs, this.now(), f.source,
    ]);
  }

  /** A position change with no fill behind it in this journal: adoption of the venue's state (never a fill). */
  async recordAdjustment(qty: number, reason: string): Promise<void> {
    await this.run("INSERT INTO position_adjustments VALUES ($1, $2, $3)", [this.now(), qty, reason]);
  }

  async recordPosition(p: { qty: number; entryPrice: number; isolatedMarginUsdt: number; liquidationPrice: number; markPrice: number; unrealizedPnlUsdt: number }, source: string): Promise<void> {
    await this.run("INSERT INTO positions VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", [this.now(), p.qty, p.entryPrice, p.isolatedMarginUsdt, p.liquidationPrice, p.markPrice, p.unrealizedPnlUsdt, source]);
  }

  async recordBalance(b: { walletUsdt: number; availableUsdt: number; equityUsdt: number }, source: string): Promise<void> {
    await this.run("INSERT INTO balances VALUES ($1, $2, $3, $4, $5)", [this.now(), b.walletUsdt, b.availableUsdt, b.equityUsdt, source]);
  }

  async recordFunding(f: { fundingTimeMs: number; amountUsdt: number; rate?: number; markPrice?: number }, source: string): Promise<void> {
    await this.run("INSERT INTO funding VALUES ($1, $2, $3, $4, $5, $6)", [this.now(), f.fundingTimeMs, f.amountUsdt, f.rate ?? null, f.markPrice ?? null, source]);
  }

  async recordError(place: string, err: unknown): Promise<void> {
    const e = err as { name?: string; code?: number; message?: string };
    await this.run("INSERT INTO errors VALUES ($1, $2, $3, $4, $5)", [this.now(), place, e?.name ?? "Error", typeof e?.code === "number" ? e.code : null, redactSecrets(e?.message ?? String(err))]);
  }

  async recordReconciliation(trigger: string, outcome: string, detail: unknown): Promise<void> {
    await this.run("INSERT INTO reconciliations VALUES ($1, $2, $3, $4)", [this.now(), trigger, outcome, redactSecrets(JSON.stringify(detail))]);
  }

  /** One bar's drift (monitor/drift.ts); an action index that is not known is stored as NULL. */
  async recordDrift(d: DriftRow): Promise<void> {
    const { listValue } = duck!;
    await this.run("INSERT INTO drift VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", [
      d.barOpenMs, this.now(), d.window, d.filled, d.threshold, listValue(d.features), listValue(Array.from(d.psi)), d.actionPsi === undefined || Number.isNaN(d.actionPsi) ? null : d.actionPsi,
    ]);
  }

  /** An alert as shown, with what became of its webhook send (monitor/alert-dispatch.ts). */
  async recordAlert(r: { alert: JournalAlert; sent: string }): Promise<void> {
    const a = r.alert;
    await this.run("INSERT INTO alerts VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", [a.atMs, a.barOpenTimeMs ?? null, a.level, a.category, a.kind, a.subject ?? null, redactSecrets(a.message), a.suppressed ?? 0, r.sent]);
  }

  /** The account after a bar (every mode), with the session's totals so far. */
  async recordEquity(barOpenMs: number, a: AccountState, totals: SessionTotals): Promise<void> {
    const p = a.position;
    await this.run("INSERT INTO equity VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)", [
      barOpenMs, this.now(), a.equityUsdt, a.balanceUsdt, p?.side ?? 0, p?.qty ?? 0, p?.entryPrice ?? null, p?.liquidationPrice ?? null, p?.marginUsdt ?? null, p?.stopPrice ?? null, p?.takeProfitPrice ?? null,
      totals.realizedPnlUsdt, totals.feesUsdt, totals.fundingUsdt, totals.trades,
    ]);
  }

  /** A closed round trip as the session saw it. */
  async recordTrade(t: Trade): Promise<void> {
    await this.run("INSERT INTO trades VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", [
      t.exitTimeMs, this.now(), t.side, t.qty, t.entryTimeMs, t.entryPrice, t.exitPrice, t.pnlUsdt, t.feesUsdt, t.fundingUsdt, t.holdingBars, t.exitReason,
    ]);
  }

  async markStopped(reason: string): Promise<void> {
    await this.run("UPDATE session SET stopped_ms = $1, stop_reason = $2", [this.now(), reason]);
  }

  // ---- reads ----

  private async rows<T = Record<string, unknown>>(sql: string, values: DuckDBValue[] = []): Promise<T[]> {
    await this.queue; // read what has been written
    const r = await this.conn.runAndReadAll(sql, values);
    return r.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? Number(v) : v;
      return out as T;
    });
  }

  async order(clientId: string): Promise<JournalOrder | undefined> {
    return (await this.rows(`${ORDER_SELECT} WHERE client_id = $1`, [clientId])).map(toOrder)[0];
  }

  async orders(): Promise<JournalOrder[]> {
    return (await this.rows(`${ORDER_SELECT} ORDER BY created_ms, client_id`)).map(toOrder);
  }

  /** Orders and algo orders that can still change on the venue, oldest first. */
  async liveOrders(): Promise<JournalOrder[]> {
    return (await this.orders()).filter(isLive);
  }

  async orderEvents(clientId: string): Promise<{ tsMs: number; status: string; detail: string }[]> {
    return (await this.rows<{ ts_ms: number; status: string; detail: string }>("SELECT ts_ms, status, detail FROM order_events WHERE client_id = $1 ORDER BY seq", [clientId])).map((r) => ({ tsMs: r.ts_ms, status: r.status, detail: r.detail }));
  }

  /** The position the journal knows: the signed sum of its fills plus adoptions, on the session's symbol. */
  async positionQty(): Promise<number> {
    const [f] = await this.rows<{ q: number | null }>("SELECT sum(CASE WHEN side = 'BUY' THEN qty ELSE -qty END) AS q FROM fills WHERE symbol = $1", [this.session.symbol]);
    const [a] = await this.rows<{ q: number | null }>("SELECT sum(qty) AS q FROM position_adjustments");
    return roundQty((f.q ?? 0) + (a.q ?? 0));
  }

  async fills(): Promise<JournalFill[]> {
    return (await this.rows("SELECT * FROM fills ORDER BY fill_time_ms, trade_id")).map(toFill);
  }

  async lastFills(n: number): Promise<JournalFill[]> {
    return (await this.rows("SELECT * FROM (SELECT * FROM fills ORDER BY fill_time_ms DESC, trade_id DESC LIMIT $1) ORDER BY fill_time_ms, trade_id", [n])).map(toFill);
  }

  async fillsOf(clientId: string): Promise<JournalFill[]> {
    return (await this.rows("SELECT * FROM fills WHERE client_id = $1 ORDER BY fill_time_ms, trade_id", [clientId])).map(toFill);
  }

  async tradeIds(): Promise<Set<string>> {
    return new Set((await this.rows<{ trade_id: string }>("SELECT trade_id FROM fills")).map((r) => r.trade_id));
  }

  async lastDecisions(n: number): Promise<{ barOpenMs: number; tsMs: number; action: number; probs: number[]; targetSide: number; targetQty: number; note: string | null }[]> {
    const rows = await this.rows<Record<string, unknown>>("SELECT * FROM (SELECT * FROM decisions ORDER BY bar_open_ms DESC, ts_ms DESC LIMIT $1) ORDER BY bar_open_ms, ts_ms", [n]);
    return rows.map((r) => ({ barOpenMs: r.bar_open_ms as number, tsMs: r.ts_ms as number, action: r.action as number, probs: (r.probs as number[]) ?? [], targetSide: r.target_side as number, targetQty: r.target_qty as number, note: r.note as string | null }));
  }

  /** The drift rows in bar order (the report's drift over time). */
  async driftRows(): Promise<(DriftRow & { tsMs: number })[]> {
    const rows = await this.rows<Record<string, unknown>>("SELECT * FROM drift ORDER BY bar_open_ms, ts_ms");
    return rows.map((r) => ({
      barOpenMs: r.bar_open_ms as number,
      tsMs: r.ts_ms as number,
      window: r.window_bars as number,
      filled: r.filled as number,
      threshold: r.threshold as number,
      features: (r.features as string[]) ?? [],
      psi: ((r.psi as (number | null)[]) ?? []).map((x) => x ?? Number.NaN),
      actionPsi: (r.action_psi as number | null) ?? undefined,
    }));
  }

  /** The protection an order's intent asked for. */
  async intentProtection(clientId: string): Promise<Protection | undefined> {
    const [r] = await this.rows<{ stop_price: number | null; tp_price: number | null }>("SELECT stop_price, tp_price FROM orders WHERE client_id = $1", [clientId]);
    return r?.stop_price != null ? { stopPrice: r.stop_price, takeProfitPrice: r.tp_price ?? undefined } : undefined;
  }

  async lastBarOpenMs(): Promise<number | undefined> {
    const [r] = await this.rows<{ t: number | null }>("SELECT max(open_time_ms) AS t FROM bars");
    return r.t ?? undefined;
  }

  async count(table: string): Promise<number> {
    if (!/^[a-z_]+$/.test(table)) throw new RangeError(`not a journal table: ${table}`);
    const [r] = await this.rows<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
    return r.n;
  }

  /** Any read-only query over the journal (the report and the UI). */
  query<T = Record<string, unknown>>(sql: string, values: DuckDBValue[] = []): Promise<T[]> {
    return this.rows<T>(sql, values);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    // every logged intent is committed now, unless one failed: then the log keeps it for the next open
    if (!this.intentFailure) this.intents?.clear();
    this.intents?.close();
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

const ORDER_SELECT = "SELECT * FROM orders";
/** An intent's order row: status pending, nothing executed yet. */
const INSERT_INTENT = "INSERT INTO orders VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13, 0, 0, $15, $14, $14, false, $16, $17, $18)";

function toOrder(r: Record<string, unknown>): JournalOrder {
  return {
    clientId: r.client_id as string,
    kind: r.kind as "order" | "algo",
    symbol: r.symbol as string,
    leg: r.leg as string,
    barOpenMs: r.bar_open_ms as number,
    revision: r.revision as number,
    side: r.side as "BUY" | "SELL",
    type: r.type as string,
    qty: r.qty as number,
    triggerPrice: r.trigger_price as number,
    reduceOnly: r.reduce_only as boolean,
    status: r.status as string,
    venueOrderId: (r.venue_order_id as string | null) ?? undefined,
    triggeredOrderId: (r.triggered_order_id as string | null) ?? undefined,
    executedQty: r.executed_qty as number,
    avgPrice: r.avg_price as number,
    sends: r.sends as number,
    createdMs: r.created_ms as number,
    updatedMs: r.updated_ms as number,
    adopted: r.adopted as boolean,
  };
}

/** A fills row (DuckDB column names) as a JournalFill. */
export function toFill(r: Record<string, unknown>): JournalFill {
  return {
    tradeId: r.trade_id as string,
    clientId: (r.client_id as string | null) ?? undefined,
    orderId: r.venue_order_id as string,
    symbol: r.symbol as string,
    side: r.side as "BUY" | "SELL",
    qty: r.qty as number,
    price: r.price as number,
    commission: r.commission as number,
    commissionAsset: r.commission_asset as string,
    realizedPnlUsdt: r.realized_pnl_usdt as number,
    maker: r.maker as boolean,
    timeMs: r.fill_time_ms as number,
    source: r.source as JournalFill["source"],
  };
}

/** Sums of step-grid quantities carry binary noise (0.1 + 0.2); 1e-9 is far below any stepSize. */
export function roundQty(q: number): number {
  const r = Math.round(q * 1e9) / 1e9;
  return r === 0 ? 0 : r;
}

/** The signed quantity of a fill. */
export function signedQty(f: Pick<TradeReport, "side" | "qty">): number {
  return sideSign(f.side) * f.qty;
}

/** The version a journal file says it is (undefined: a new file, or one from before versions). */
async function storedVersion(conn: DuckDBConnection): Promise<number | undefined> {
  const has = (await conn.runAndReadAll("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'meta'")).getRowObjectsJS();
  if (!Number(has[0]?.n)) return undefined;
  const rows = (await conn.runAndReadAll("SELECT value FROM meta WHERE key = 'version'")).getRowObjectsJS();
  return rows.length ? Number(rows[0].value) : undefined;
}
