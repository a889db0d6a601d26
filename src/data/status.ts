// `rlt data status`: coverage of every stored kind and symbol, as data and as a terminal table.
import { UsageError } from "../core/errors.ts";
import { isoMinute } from "../core/time.ts";
import { type Coverage, coverage } from "./coverage.ts";
import { type KindName, KIND_NAMES, isKindName, kindSpec } from "./kinds.ts";
import { MARKABLE_KINDS, countMarkedInvalid } from "./row-rules.ts";
import { type RecordingFacts, formatRecordingFacts, recordingFacts } from "./record-events.ts";
import { Store } from "./store.ts";

export interface DataStatus {
  dataDir: string;
  /** invalidRows: rows stored marked invalid (rlt import --allow-invalid-rows). */
  entries: (Coverage & { invalidRows?: number; recording?: RecordingFacts })[];
}

/** How many gaps a terminal table lists before summarizing the rest. */
const MAX_GAPS_SHOWN = 20;

export function parseKinds(list: string | undefined, fallback: readonly KindName[] = KIND_NAMES): KindName[] {
  if (!list) return [...fallback];
  const kinds = list.split(",").map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) {
    if (!isKindName(k)) throw new UsageError(`unknown kind "${k}"`, { hint: `kinds are: ${KIND_NAMES.join(", ")}` });
  }
  return kinds as KindName[];
}

export async function dataStatus(dataDir: string, opts: { symbol?: string; kinds?: string } = {}): Promise<DataStatus> {
  const store = await Store.open(dataDir);
  try {
    const entries: DataStatus["entries"] = [];
    for (const kind of parseKinds(opts.kinds)) {
      const symbols = opts.symbol ? store.symbols(kind).filter((s) => s === opts.symbol) : store.symbols(kind);
      for (const symbol of symbols) {
        const c = await coverage(store, kind, symbol);
        const rel = MARKABLE_KINDS.includes(kind) ? store.scan(kind, symbol) : undefined;
        const invalid = rel ? (await countMarkedInvalid(store.db, kind, rel)).rows : 0;
        entries.push(invalid ? { ...c, invalidRows: invalid } : c);
        // rlt record's own account of the depth chain (breaks leave no time gap), reconnects and backfills
        if (kind === "depth_updates") entries[entries.length - 1].recording = await recordingFacts(store, symbol, c.firstMs, c.lastMs);
      }
    }
    return { dataDir: store.dir, entries };
  } finally {
    store.close();
  }
}

export function formatStatus(status: DataStatus): string {
  if (status.entries.length === 0) return `no data in ${status.dataDir}\n  try: rlt import --sample, or rlt fetch BTCUSDT --days 30\n`;
  const lines = [`data: ${status.dataDir}`];
  for (const e of status.entries) {
    const spec = kindSpec(e.kind);
    const range = e.firstMs !== undefined ? `${isoMinute(e.firstMs)} → ${isoMinute(e.lastMs!)} UTC` : "empty";
    const gapCount = e.gaps.length + e.idGaps.length;
    lines.push(
      `${e.kind.padEnd(15)} ${e.symbol.padEnd(10)} ${String(e.rows.toLocaleString("en-US")).padStart(12)} rows  ${range}  ` +
        `${gapCount === 0 ? (e.recording?.chainBreaks ? "no time gaps" : "no gaps") : `${gapCount} gap${gapCount > 1 ? "s" : ""}`}` +
        (e.duplicates ? `  ${e.duplicates} duplicate keys` : "") +
        (e.invalidRows ? `  ${e.invalidRows.toLocaleString("en-US")} rows marked invalid` : "") +
        (e.unrecorded ? `  ${e.unrecorded} of ${e.files} files unrecorded (older rlt)` : "") +
        formatRecordingFacts(e.recording),
    );
    const unit = spec.cadenceMs ? "missing" : "";
    for (const g of e.gaps.slice(0, MAX_GAPS_SHOWN)) {
      lines.push(`    gap ${isoMinute(g.after)} → ${isoMinute(g.before)}${g.missing !== undefined ? ` (${g.missing} ${unit})` : ""}`);
    }
    for (const g of e.idGaps.slice(0, MAX_GAPS_SHOWN)) lines.push(`    id gap ${g.after} → ${g.before} (${g.missing} ids missing)`);
    const hidden = Math.max(0, e.gaps.length - MAX_GAPS_SHOWN) + Math.max(0, e.idGaps.length - MAX_GAPS_SHOWN);
    if (hidden) lines.push(`    … ${hidden} more (use --json for all)`);
  }
  return `${lines.join("\n")}\n`;
}
