// Data validation per the design's §3.3: report missing rows, duplicates, out-of-order rows and
// impossible values. Validation reports; it never fills or repairs (filling belongs to features, behind a flag).
import { isoMinute } from "../core/time.ts";
import { type Gap, idGaps, timeGaps } from "./coverage.ts";
import { type Duck, ident, queryRows } from "./duck.ts";
import { type KindName, kindSpec } from "./kinds.ts";

export interface ValidationReport {
  kind: KindName;
  rows: number;
  /** Rows whose key appeared earlier in the relation. */
  duplicates: number;
  /** Rows whose time is earlier than the previous row's, in the relation's own order. */
  outOfOrder: number;
  /** Missing minutes (klines), settlements (funding) or ids (aggTrades). */
  missing: Gap[];
  /** klines: low ≤ min(open, close), max(open, close) ≤ high violated. */
  ohlcViolations: number;
  negativeVolume: number;
  /** A few offending rows, for humans. */
  examples: string[];
}

const MAX_EXAMPLES = 5;

/**
 * Validate a relation of `kind` rows. Its natural order is the order rows arrived in (file order for
 * imports), which is what "out of order" refers to.
 */
export async function validateRelation(db: Duck, kind: KindName, relationSql: string): Promise<ValidationReport> {
  const spec = kindSpec(kind);
  const t = ident(spec.timeColumn);
  const keyList = spec.key.map(ident).join(", ");
  const isKline = kind === "klines";
  const qty = isKline ? "volume" : spec.columns.some((c) => c.name === "quantity") ? "quantity" : undefined;
  const ohlcBad = "NOT (low <= least(open, close) AND greatest(open, close) <= high AND low <= high)";
  // One pass in arrival order. Strictly increasing times (the normal case) rule out duplicates and
  // disorder at once; only otherwise are the costlier key-based counts run.
  const [s] = await queryRows<{ rows: number; nonIncreasing: number; ohlc: number; neg: number }>(
    db,
    `SELECT count(*)::BIGINT AS rows,
            count(*) FILTER (WHERE ${t} <= prev)::BIGINT AS "nonIncreasing",
            ${isKline ? `count(*) FILTER (WHERE ${ohlcBad})` : "0"}::BIGINT AS ohlc,
            ${qty ? `count(*) FILTER (WHERE ${qty} < 0)` : "0"}::BIGINT AS neg
     FROM (SELECT *, lag(${t}) OVER (ORDER BY _rn) AS prev FROM (SELECT *, row_number() OVER () AS _rn FROM (${relationSql})))`,
  );
  let keys = s.rows;
  let ooo = 0;
  if (s.nonIncreasing > 0 || spec.key.length > 1) {
    [{ keys, ooo }] = await queryRows<{ keys: number; ooo: number }>(
      db,
      `WITH r AS (SELECT *, row_number() OVER () AS _rn FROM (${relationSql}))
       SELECT (SELECT count(*) FROM (SELECT DISTINCT ${keyList} FROM r))::BIGINT AS keys,
              (SELECT count(*) FROM (SELECT ${t} < lag(${t}) OVER (ORDER BY _rn) AS back FROM r) WHERE back)::BIGINT AS ooo`,
    );
  }
  const examples: string[] = [];
  if (s.ohlc > 0) {
    const rows = await queryRows<{ t: number; open: number; high: number; low: number; close: number }>(
      db,
      `SELECT ${t} AS t, open, high, low, close FROM (${relationSql}) WHERE ${ohlcBad} ORDER BY ${t} LIMIT ${MAX_EXAMPLES}`,
    );
    for (const r of rows) examples.push(`OHLC violation at ${isoMinute(r.t)}: open ${r.open} high ${r.high} low ${r.low} close ${r.close}`);
  }
  if (s.neg > 0 && qty) {
    const rows = await queryRows<{ t: number; q: number }>(db, `SELECT ${t} AS t, ${qty} AS q FROM (${relationSql}) WHERE ${qty} < 0 LIMIT ${MAX_EXAMPLES}`);
    for (const r of rows) examples.push(`negative ${qty} ${r.q} at ${isoMinute(r.t)}`);
  }
  const missing = spec.idColumn ? await idGaps(db, kind, relationSql) : await timeGaps(db, kind, relationSql, { strictlyIncreasing: s.nonIncreasing === 0 });
  return {
    kind,
    rows: s.rows,
    duplicates: s.rows - keys,
    outOfOrder: ooo,
    missing,
    ohlcViolations: s.ohlc,
    negativeVolume: s.neg,
    examples,
  };
}

export function isClean(r: ValidationReport): boolean {
  return r.duplicates === 0 && r.outOfOrder === 0 && r.missing.length === 0 && r.ohlcViolations === 0 && r.negativeVolume === 0;
}

export function formatValidation(r: ValidationReport): string {
  if (isClean(r)) return `${r.kind}: ${r.rows.toLocaleString("en-US")} rows, valid (no gaps, duplicates, disorder or impossible values)`;
  const parts: string[] = [];
  const missingTotal = r.missing.reduce((a, g) => a + (g.missing ?? 0), 0);
  if (r.missing.length) parts.push(`${r.missing.length} gap(s)${missingTotal ? ` (${missingTotal} missing)` : ""}`);
  if (r.duplicates) parts.push(`${r.duplicates} duplicate(s)`);
  if (r.outOfOrder) parts.push(`${r.outOfOrder} out-of-order row(s)`);
  if (r.ohlcViolations) parts.push(`${r.ohlcViolations} OHLC violation(s)`);
  if (r.negativeVolume) parts.push(`${r.negativeVolume} negative volume(s)`);
  const lines = [`${r.kind}: ${r.rows.toLocaleString("en-US")} rows; ${parts.join(", ")} (reported, not repaired)`];
  for (const g of r.missing.slice(0, MAX_EXAMPLES)) {
    const isId = kindSpec(r.kind).idColumn !== undefined;
    lines.push(`  gap ${isId ? `${g.after} → ${g.before}` : `${isoMinute(g.after)} → ${isoMinute(g.before)}`}${g.missing !== undefined ? ` (${g.missing} missing)` : ""}`);
  }
  for (const e of r.examples) lines.push(`  ${e}`);
  return lines.join("\n");
}
