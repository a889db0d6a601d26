// One timestamp unit per file, decided from every value of its epoch columns, and a plausible range:
// a time in the wrong unit would land in a partition thousands of years away (and a later
// `rlt features --fill-gaps` would try to fill the millennia between).
import { DAY_MS } from "../../core/time.ts";
import { type Duck, ident, queryRows } from "../duck.ts";

/** Before Binance futures existed (2019-09), but early enough for spot files imported by hand. */
export const EARLIEST_PLAUSIBLE_MS = Date.UTC(2017, 0, 1);
/** Tomorrow: a clock a little ahead is fine, a bar from next year is not. */
export const latestPlausibleMs = (nowMs = Date.now()) => nowMs + DAY_MS;

export type TimeUnit = "ms" | "us";
const US_PER_MS = 1000;
const UNIT_WORD: Record<TimeUnit, string> = { ms: "milliseconds", us: "microseconds" };

export interface BadTime {
  /** 0-based row of the table (its rowid). */
  row: number;
  column: string;
  value: string;
}

export interface UnitDecision {
  unit: TimeUnit;
  /** Set when no unit fits every value: the first value that does not fit the likelier unit. */
  bad?: BadTime;
  /** Some values fit `unit`: the bad ones are a minority, not the whole column. */
  mixed?: boolean;
}

const rangeOf = (unit: TimeUnit, nowMs: number) => {
  const f = unit === "us" ? US_PER_MS : 1;
  return { lo: EARLIEST_PLAUSIBLE_MS * f, hi: latestPlausibleMs(nowMs) * f };
};

const outside = (cols: string[], unit: TimeUnit, nowMs: number) => {
  const { lo, hi } = rangeOf(unit, nowMs);
  return cols.map((c) => `(${ident(c)} IS NULL OR ${ident(c)} NOT BETWEEN ${lo} AND ${hi})`).join(" OR ");
};

/** The unit of a table's epoch columns: ms when all fit, else µs when all fit, else the first misfit. */
export async function decideUnit(db: Duck, table: string, cols: string[], nowMs = Date.now()): Promise<UnitDecision> {
  if (cols.length === 0) return { unit: "ms" };
  const [c] = await queryRows<{ badMs: number; badUs: number; inMs: number; inUs: number }>(
    db,
    `SELECT count(*) FILTER (WHERE ${outside(cols, "ms", nowMs)})::BIGINT AS "badMs",
            count(*) FILTER (WHERE ${outside(cols, "us", nowMs)})::BIGINT AS "badUs",
            count(*) FILTER (WHERE NOT (${outside([cols[0]], "ms", nowMs)}))::BIGINT AS "inMs",
            count(*) FILTER (WHERE NOT (${outside([cols[0]], "us", nowMs)}))::BIGINT AS "inUs"
     FROM ${table}`,
  );
  if (c.badMs === 0) return { unit: "ms" };
  if (c.badUs === 0) return { unit: "us" };
  const unit: TimeUnit = c.inUs > c.inMs ? "us" : "ms";
  return { unit, bad: await firstOutside(db, table, cols, unit, nowMs), mixed: Math.max(c.inMs, c.inUs) > 0 };
}

/** The first row (by rowid) whose value in one of `cols` is not a plausible time in `unit`. */
export async function firstOutside(db: Duck, table: string, cols: string[], unit: TimeUnit, nowMs = Date.now(), rowCol = "rowid"): Promise<BadTime | undefined> {
  const { lo, hi } = rangeOf(unit, nowMs);
  const [r] = await queryRows<{ row: number } & Record<string, unknown>>(
    db,
    `SELECT ${rowCol}::BIGINT AS row, ${cols.map((c) => `${ident(c)}::VARCHAR AS ${ident(c)}`).join(", ")} FROM ${table} WHERE ${outside(cols, unit, nowMs)} ORDER BY ${rowCol} LIMIT 1`,
  );
  if (!r) return undefined;
  const column = cols.find((c) => r[c] === null || Number(r[c]) < lo || Number(r[c]) > hi) ?? cols[0];
  return { row: r.row, column, value: r[column] === null ? "(empty)" : String(r[column]) };
}

/** SQL for a column of `unit` in milliseconds. */
export function toMsSql(col: string, unit: TimeUnit): string {
  return unit === "us" ? `(${ident(col)} // ${US_PER_MS})` : ident(col);
}

/** Words for a refused time: what was found, what was expected. */
export function describeBadTime(bad: BadTime, unit: TimeUnit, mixed: boolean, nowMs = Date.now()): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const range = `${day(EARLIEST_PLAUSIBLE_MS)} … ${day(latestPlausibleMs(nowMs))}`;
  return mixed
    ? `${bad.column} ${bad.value} is not a time between ${range} in ${UNIT_WORD[unit]}, the unit of the file's other times`
    : `${bad.column} ${bad.value} is not a plausible time: neither milliseconds nor microseconds between ${range}`;
}
