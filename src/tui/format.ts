// Pure text helpers of the terminal UI: numbers, ages, sides and the equity sparkline. No ink, no React:
// the components only lay these strings out, and these are unit-tested on their own.

/** A missing number: NaN, or null (a view that went through JSON, where NaN is null). */
const missing = (x: number | null | undefined): x is null | undefined => x === null || x === undefined || !Number.isFinite(x);

/** 12,345.67 (two decimals, thousands grouped); "–" when missing. */
export function usdt(x: number | null | undefined): string {
  if (missing(x)) return "–";
  return x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** +12.34 / −5.00: a PnL, signed. */
export function signedUsdt(x: number | null | undefined): string {
  if (missing(x)) return "–";
  const s = usdt(Math.abs(x));
  return x > 0 ? `+${s}` : x < 0 ? `-${s}` : s;
}

/** 3.5% from a fraction. */
export function percent(fraction: number | null | undefined, digits = 1): string {
  return missing(fraction) ? "–" : `${(fraction * 100).toFixed(digits)}%`;
}

/** A price with two decimals, grouped; "–" when missing. */
export const price = usdt;

/** A quantity as given (lots already rounded by the session). */
export function qty(x: number): string {
  return String(Number(x.toPrecision(8)));
}

export function sideName(side: -1 | 0 | 1): "short" | "flat" | "long" {
  return side > 0 ? "long" : side < 0 ? "short" : "flat";
}

/** HH:MM of a UTC time. */
export function hhmm(ms: number | undefined): string {
  return ms === undefined || missing(ms) ? "--:--" : new Date(ms).toISOString().slice(11, 16);
}

/** YYYY-MM-DD HH:MM (UTC). */
export function isoMinute(ms: number | undefined): string {
  return ms === undefined || missing(ms) ? "----------" : new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** How long ago, short: 0.4s, 12s, 3m, 2h; "never" when there was nothing. */
export function age(sinceMs: number | undefined, nowMs: number): string {
  if (sinceMs === undefined || missing(sinceMs)) return "never";
  const s = Math.max(0, nowMs - sinceMs) / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

const BLOCKS = "▁▂▃▄▅▆▇█";

/**
 * The last `width` values as one row of block characters, lowest to highest of what is shown; a flat
 * series is a row of the middle block. Missing values are spaces.
 */
export function sparkline(values: readonly (number | null)[], width: number): string {
  if (width <= 0) return "";
  const shown = values.slice(-width);
  const finite = shown.filter((v): v is number => !missing(v));
  if (!finite.length) return "";
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return shown
    .map((v) => {
      if (missing(v)) return " ";
      if (hi === lo) return BLOCKS[3];
      return BLOCKS[Math.min(BLOCKS.length - 1, Math.floor(((v - lo) / (hi - lo)) * BLOCKS.length))];
    })
    .join("");
}

/** A string cut to `width` columns, with "…" when cut (the UI's characters are all one column wide). */
export function fit(text: string, width: number): string {
  if (width <= 0) return "";
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join("")}…`;
}

/** Buy/sell/hold probabilities as ".62/.21/.17". */
export function probabilities(p: readonly [number, number, number] | undefined): string {
  if (!p) return "–";
  return p.map((x) => (missing(x) ? "–" : x >= 0.995 ? "1.0" : x.toFixed(2).replace(/^0/, ""))).join("/");
}

/** A PSI value: 0.123, or "…" while its window fills. */
export function psi(x: number | null | undefined): string {
  return missing(x) ? "…" : x.toFixed(3);
}

/** Words wrapped to `width` columns, at most `maxLines` lines (the last one cut with "…" when more is left). */
export function wrapWords(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if ([...next].length <= width || !line) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = fit(`${kept[maxLines - 1]} ${lines.slice(maxLines).join(" ")}`, width);
    return kept.map((l) => fit(l, width));
  }
  return lines.map((l) => fit(l, width));
}
