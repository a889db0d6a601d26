// What a stored row may hold: positive finite prices, non-negative quantities, a candle whose high and
// low enclose its open and close. One declaration per kind, read by the importer (as SQL over a whole
// file) and by the fetcher (over rows from the exchange), so both refuse the same rows for the same reason.
import { DataError } from "../core/errors.ts";
import { type Duck, ident, queryRows } from "./duck.ts";
import { type KindName, kindSpec } from "./kinds.ts";

interface KindRules {
  /** Finite and > 0. */
  positive: string[];
  /** Finite and ≥ 0. */
  nonNegative: string[];
  /** low ≤ min(open, close) and high ≥ max(open, close). */
  ohlc?: boolean;
}

const RULES: Partial<Record<KindName, KindRules>> = {
  klines: {
    positive: ["open", "high", "low", "close"],
    nonNegative: ["volume", "quote_volume", "trades", "taker_buy_volume", "taker_buy_quote_volume"],
    ohlc: true,
  },
  funding: { positive: ["mark_price", "interval_hours"], nonNegative: [] },
  aggtrades: { positive: ["price"], nonNegative: ["quantity"] },
  trades: { positive: ["price"], nonNegative: ["quantity"] },
  book_ticker: { positive: ["bid_price", "ask_price"], nonNegative: ["bid_qty", "ask_qty"] },
  bookdepth: { positive: [], nonNegative: ["depth", "notional"] },
  metrics: { positive: [], nonNegative: ["sum_open_interest", "sum_open_interest_value"] },
};

/** The flag that stores refused rows anyway, marked. */
export const ALLOW_INVALID_FLAG = "--allow-invalid-rows";
/** Kinds whose rows carry the `invalid` mark column (so refused rows may be stored, marked). */
export const MARKABLE_KINDS: readonly KindName[] = ["klines"];

export type RowValues = Record<string, number | bigint | null | undefined>;

const isMissing = (v: unknown) => v === null || v === undefined;

/** Columns a rule reads: what an example row must show. */
export function ruleColumns(kind: KindName): string[] {
  const r = RULES[kind];
  if (!r) return [];
  return [...new Set([...(r.ohlc ? ["open", "high", "low", "close"] : []), ...r.positive, ...r.nonNegative])];
}

/** Why a row is impossible, in words; empty when it is fine. */
export function rowProblems(kind: KindName, row: RowValues): string[] {
  const r = RULES[kind];
  if (!r) return [];
  const spec = kindSpec(kind);
  const nullable = new Set(spec.columns.filter((c) => c.nullable).map((c) => c.name));
  const out: string[] = [];
  const check = (col: string, ok: (x: number) => boolean, what: string) => {
    const v = row[col];
    if (isMissing(v)) {
      if (!nullable.has(col)) out.push(`${col} is missing`);
      return;
    }
    const x = Number(v);
    if (!Number.isFinite(x) || !ok(x)) out.push(`${col} ${x} is not ${what}`);
  };
  for (const c of r.positive) check(c, (x) => x > 0, "a positive number");
  for (const c of r.nonNegative) check(c, (x) => x >= 0, "≥ 0");
  if (r.ohlc && ["open", "high", "low", "close"].every((c) => !isMissing(row[c]))) {
    const [o, h, l, c] = ["open", "high", "low", "close"].map((k) => Number(row[k]));
    if (h < Math.max(o, c)) out.push(`high ${h} is below max(open ${o}, close ${c})`);
    if (l > Math.min(o, c)) out.push(`low ${l} is above min(open ${o}, close ${c})`);
  }
  return out;
}

/**
 * SQL boolean over a relation of `kind` rows: true when rowProblems would name a problem. `present`
 * lists the relation's columns (absent nullable columns are NULL, so they pass).
 */
export function invalidRowSql(kind: KindName, present?: ReadonlySet<string>): string {
  const r = RULES[kind];
  if (!r) return "false";
  const spec = kindSpec(kind);
  const nullable = new Set(spec.columns.filter((c) => c.nullable).map((c) => c.name));
  const has = (c: string) => !present || present.has(c);
  const terms: string[] = [];
  const num = (c: string) => `CAST(${ident(c)} AS DOUBLE)`;
  const check = (c: string, cmp: string) => {
    if (!has(c)) {
      if (!nullable.has(c)) terms.push("true");
      return;
    }
    const bad = `(NOT isfinite(${num(c)}) OR NOT (${num(c)} ${cmp}))`;
    terms.push(nullable.has(c) ? `coalesce(${bad}, false)` : `coalesce(${bad}, true)`);
  };
  for (const c of r.positive) check(c, "> 0");
  for (const c of r.nonNegative) check(c, ">= 0");
  if (r.ohlc) terms.push("coalesce(high < greatest(open, close) OR low > least(open, close), false)");
  return terms.length ? `(${terms.join(" OR ")})` : "false";
}

/**
 * Refuse rows that break the rules (rows from the exchange, where no flag applies): a DataError naming
 * where they came from, the first bad row and its problems.
 */
export function assertRowsValid(kind: KindName, columns: Record<string, ArrayLike<unknown>>, where: string, timeOf: (i: number) => string): void {
  const names = ruleColumns(kind);
  const n = Object.values(columns)[0]?.length ?? 0;
  let bad = 0;
  let first: { i: number; problems: string[] } | undefined;
  for (let i = 0; i < n; i++) {
    const row: RowValues = {};
    for (const c of names) row[c] = columns[c]?.[i] as RowValues[string];
    const problems = rowProblems(kind, row);
    if (problems.length) {
      bad++;
      first ??= { i, problems };
    }
  }
  if (first) {
    throw new DataError(`${where}: ${bad} impossible ${kind} row(s), the first at ${timeOf(first.i)}: ${first.problems.join("; ")}; none of these rows was stored`, {
      hint: "the source sent corrupt data; try again later, and report it if it persists",
    });
  }
}

/**
 * Rows of a relation stored marked invalid (`invalid = true`), optionally within `whereSql`. Files
 * written before the mark existed lack the column: they hold none.
 */
export async function countMarkedInvalid(db: Duck, kind: KindName, relationSql: string, whereSql?: string): Promise<{ rows: number; firstMs?: number }> {
  const cols = (await db.run(`SELECT * FROM ${relationSql} LIMIT 0`)).columnNames();
  if (!cols.includes("invalid")) return { rows: 0 };
  const [r] = await queryRows<{ n: number; first: number | null }>(
    db,
    `SELECT count(*)::BIGINT AS n, min(${ident(kindSpec(kind).timeColumn)})::BIGINT AS first FROM ${relationSql} WHERE invalid IS TRUE${whereSql ? ` AND (${whereSql})` : ""}`,
  );
  return { rows: r.n, ...(r.first !== null ? { firstMs: r.first } : {}) };
}
