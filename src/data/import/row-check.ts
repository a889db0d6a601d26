// The row rules (../row-rules.ts) applied to a whole imported file, CSV or freqtrade: rows that break
// them refuse the file, naming where they stand and their values, or are counted to be stored marked.
import { DataError } from "../../core/errors.ts";
import { type Duck, ident, queryRows } from "../duck.ts";
import type { KindName } from "../kinds.ts";
import { ALLOW_INVALID_FLAG, MARKABLE_KINDS, type RowValues, invalidRowSql, ruleColumns, rowProblems } from "../row-rules.ts";

/** How many refused rows a message lists. */
const MAX_LISTED_ROWS = 5;

export interface RowCheck {
  /** A relation of the kind's columns plus `_row`, the row's number in the import. */
  relation: string;
  /** The file's name as messages show it. */
  shownFile: string;
  /** Where each of these `_row`s stands in the file, in words: "line 42" (CSV), "row 42" (freqtrade). */
  placesOf: (rows: number[]) => Promise<string[]>;
  allowInvalid: boolean;
}

/**
 * Rows of `relation` that break the kind's row rules refuse the file (a DataError naming the first few
 * and how many more), unless allowInvalid and the kind is markable: then the caller stores them with
 * `invalid = true`. Returns how many are to be marked (0 when every row is fine).
 */
export async function checkRowRules(db: Duck, kind: KindName, check: RowCheck): Promise<number> {
  const bad = invalidRowSql(kind);
  const [{ n }] = await queryRows<{ n: number }>(db, `SELECT count(*)::BIGINT AS n FROM ${check.relation} WHERE ${bad}`);
  if (n === 0) return 0;
  const markable = MARKABLE_KINDS.includes(kind);
  if (check.allowInvalid && markable) return n;
  const examples = await queryRows<{ _row: number } & RowValues>(
    db,
    `SELECT _row::BIGINT AS _row, ${ruleColumns(kind).map(ident).join(", ")} FROM ${check.relation} WHERE ${bad} ORDER BY _row LIMIT ${MAX_LISTED_ROWS}`,
  );
  const places = await check.placesOf(examples.map((e) => e._row));
  const described = examples.map((e, i) => `${places[i]}: ${rowProblems(kind, e).join("; ")}`);
  const more = n > examples.length ? `; ${n - examples.length} more` : "";
  const what = kind === "klines" ? "impossible candle" : `impossible ${kind} row`;
  throw new DataError(`${check.shownFile}: ${n} ${what}${n > 1 ? "s" : ""}: ${described.join("; ")}${more}; nothing from this file was imported`, {
    hint: markable
      ? `re-download the file; or store it anyway with ${ALLOW_INVALID_FLAG}: those rows are marked invalid, and rlt data status and rlt features keep saying so`
      : `re-download the file (${kind} rows cannot be marked invalid, so ${ALLOW_INVALID_FLAG} does not apply)`,
  });
}
