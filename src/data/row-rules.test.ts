import { afterAll, describe, expect, it } from "vitest";
import { DataError } from "../core/errors.ts";
import { openDuck, queryRows } from "./duck.ts";
import { assertRowsValid, invalidRowSql, rowProblems } from "./row-rules.ts";

const { instance, conn } = await openDuck();
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

const ok = { open: 100, high: 101, low: 99, close: 100.5, volume: 2, quote_volume: 200, trades: 10, taker_buy_volume: 1, taker_buy_quote_volume: 100 };
const cases: [string, Record<string, number | null>][] = [
  ["valid", ok],
  ["doji at its high", { ...ok, open: 101, close: 101 }],
  ["high below close", { ...ok, close: 102 }],
  ["low above open", { ...ok, low: 100.2 }],
  ["high < low", { ...ok, high: 98, low: 99 }],
  ["zero price", { ...ok, low: 0 }],
  ["negative volume", { ...ok, volume: -1 }],
  ["NaN close", { ...ok, close: Number.NaN }],
  ["infinite volume", { ...ok, volume: Number.POSITIVE_INFINITY }],
  ["missing open", { ...ok, open: null }],
  ["missing taker volume (nullable)", { ...ok, taker_buy_volume: null }],
  ["zero volume", { ...ok, volume: 0, quote_volume: 0, trades: 0 }],
];

describe("row rules", () => {
  it("the SQL predicate and the words agree on every case", async () => {
    const sqlNum = (v: number | null) => (v === null ? "NULL::DOUBLE" : Number.isNaN(v) ? "'nan'::DOUBLE" : v === Infinity ? "'inf'::DOUBLE" : `${v}::DOUBLE`);
    for (const [name, row] of cases) {
      const cols = Object.entries(row).map(([k, v]) => `${sqlNum(v)} AS ${k}`).join(", ");
      const [r] = await queryRows<{ bad: boolean }>(conn, `SELECT ${invalidRowSql("klines")} AS bad FROM (SELECT ${cols})`);
      expect({ name, bad: r.bad }).toEqual({ name, bad: rowProblems("klines", row).length > 0 });
    }
    expect(cases.filter(([, row]) => rowProblems("klines", row).length === 0).map(([n]) => n)).toEqual(["valid", "doji at its high", "missing taker volume (nullable)", "zero volume"]);
  });

  it("words each problem with its values", () => {
    // high < low always breaks one of the two enclosing rules
    expect(rowProblems("klines", { ...ok, high: 98, low: 99 })).toEqual(["high 98 is below max(open 100, close 100.5)"]);
    expect(rowProblems("klines", { ...ok, high: 99.5, low: 100.2 })).toEqual(["high 99.5 is below max(open 100, close 100.5)", "low 100.2 is above min(open 100, close 100.5)"]);
    expect(rowProblems("klines", { ...ok, open: null })).toEqual(["open is missing"]);
    expect(rowProblems("aggtrades", { price: -1, quantity: 0 })).toEqual(["price -1 is not a positive number"]);
    expect(rowProblems("funding", { mark_price: null, interval_hours: 8 })).toEqual([]);
  });

  it("assertRowsValid refuses rows from the exchange naming the source, count and first bad row", () => {
    const cols = { open: [100, 100, 100], high: [101, 99, 101], low: [99, 98, 99], close: [100, 100, 100], volume: [1, 1, -3] };
    let err: unknown;
    try {
      assertRowsValid("klines", cols, "GET /fapi/v1/klines BTCUSDT", (i) => `bar ${i}`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe("GET /fapi/v1/klines BTCUSDT: 2 impossible klines row(s), the first at bar 1: high 99 is below max(open 100, close 100); none of these rows was stored");
    expect((err as DataError).hint).toBe("the source sent corrupt data; try again later, and report it if it persists");
    expect(() => assertRowsValid("klines", { ...cols, high: [101, 101, 101], volume: [1, 1, 1] }, "x", String)).not.toThrow();
  });
});
