// What the store holds: per kind and symbol, the covered range, row count, duplicates and every gap.
import { type Duck, ident, queryRows } from "./duck.ts";
import { type KindName, kindSpec } from "./kinds.ts";
import type { Store } from "./store.ts";

export interface Gap {
  /** Last time (or id) present before the gap. */
  after: number;
  /** First time (or id) present after the gap. */
  before: number;
  /** Missing rows (bars, settlements, ids) when the kind has a cadence or id; otherwise absent. */
  missing?: number;
}

export interface Coverage {
  kind: KindName;
  symbol: string;
  rows: number;
  files: number;
  firstMs?: number;
  lastMs?: number;
  /** Files without a record (written by an older rlt): readable, but not comparable with a hash. */
  unrecorded: number;
  /** Rows sharing a key (only possible across recorder part files). */
  duplicates: number;
  gaps: Gap[];
  /** Gaps in the id sequence (aggTrades ids are contiguous). */
  idGaps: Gap[];
}

/** Time gaps of a relation holding rows of `kind`: steps longer than the kind's cadence (or silence limit). */
export async function timeGaps(db: Duck, kind: KindName, relationSql: string, opts: { strictlyIncreasing?: boolean } = {}): Promise<Gap[]> {
  const spec = kindSpec(kind);
  const t = ident(spec.timeColumn);
  // Funding intervals vary per symbol and over time (8 h, 4 h, 1 h): use each row's own interval when known.
  const step = kind === "funding" ? "COALESCE(interval_hours, 8) * 3600000" : String(spec.cadenceMs ?? spec.gapAfterMs ?? 0);
  if (step === "0") return [];
  // Settlement times jitter by a few ms (…600001): a gap is a step of more than 1.5 cadences, and the
  // missing count is rounded, so jitter never reads as a missing row.
  const missing = spec.cadenceMs ? `CAST(round((${t} - prev) / (${step})) AS BIGINT) - 1` : "NULL";
  const limit = spec.cadenceMs ? `1.5 * (${step})` : step;
  const gaps = await queryRows<Gap>(
    db,
    `SELECT prev AS after, ${t} AS before, ${missing} AS missing FROM (
       SELECT ${t}, ${kind === "funding" ? "interval_hours," : ""} lag(${t}) OVER (ORDER BY ${t}) AS prev
       FROM ${opts.strictlyIncreasing ? `(${relationSql})` : `(SELECT DISTINCT ON (${t}) * FROM (${relationSql}))`}) WHERE prev IS NOT NULL AND ${t} - prev > ${limit}
     ORDER BY ${t}`,
  );
  if (!spec.cadenceMs) for (const g of gaps) delete g.missing;
  return gaps;
}

/** Jumps in a contiguous id column (aggTrades, trades). */
export async function idGaps(db: Duck, kind: KindName, relationSql: string): Promise<Gap[]> {
  const spec = kindSpec(kind);
  if (!spec.idColumn) return [];
  const id = ident(spec.idColumn);
  return queryRows<Gap>(
    db,
    `SELECT prev AS after, ${id} AS before, ${id} - prev - 1 AS missing FROM (
       SELECT ${id}, lag(${id}) OVER (ORDER BY ${id}) AS prev FROM (SELECT DISTINCT ${id} FROM (${relationSql})))
     WHERE prev IS NOT NULL AND ${id} - prev > 1 ORDER BY ${id}`,
  );
}

export async function coverage(store: Store, kind: KindName, symbol: string): Promise<Coverage> {
  const spec = kindSpec(kind);
  // checks every file against its record first: a damaged one ends the status with its name
  const rel = store.scan(kind, symbol);
  const checks = store.checkFiles(kind, symbol);
  const unrecorded = checks.filter((c) => c.status === "unrecorded").length;
  const base: Coverage = { kind, symbol, rows: 0, files: checks.length, unrecorded, duplicates: 0, gaps: [], idGaps: [] };
  if (!rel) return base;
  const t = ident(spec.timeColumn);
  const keyList = spec.key.map(ident).join(", ");
  const [summary] = await queryRows<{ rows: number; first: number; last: number; keys: number }>(
    store.db,
    `SELECT count(*)::BIGINT AS rows, min(${t})::BIGINT AS first, max(${t})::BIGINT AS last,
            (SELECT count(*) FROM (SELECT DISTINCT ${keyList} FROM ${rel}))::BIGINT AS keys FROM ${rel}`,
  );
  return {
    ...base,
    rows: summary.rows,
    firstMs: summary.first,
    lastMs: summary.last,
    duplicates: summary.rows - summary.keys,
    gaps: await timeGaps(store.db, kind, `SELECT * FROM ${rel}`),
    idGaps: await idGaps(store.db, kind, `SELECT * FROM ${rel}`),
  };
}
