// Several files into one store, with a catalog refresh at the end and a printable summary.
import { isoMinute } from "../../core/time.ts";
import type { KindName } from "../kinds.ts";
import { Store } from "../store.ts";
import { formatValidation } from "../validate.ts";
import { type ImportResult, importFile } from "./index.ts";

export async function importFiles(dataDir: string, files: string[], opts: { kind?: KindName; symbol?: string; allowInvalidRows?: boolean } = {}): Promise<ImportResult[]> {
  const store = await Store.open(dataDir);
  try {
    const results: ImportResult[] = [];
    // Stop at the first bad file: it was imported not at all, the files before it completely.
    for (const file of files) results.push(await importFile(store, { file, ...opts }));
    await store.refreshCatalog();
    return results;
  } finally {
    store.close();
  }
}

export function formatImport(results: ImportResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const range = r.firstMs !== undefined ? `${isoMinute(r.firstMs)} → ${isoMinute(r.lastMs!)} UTC` : "";
    const what = r.rowsByKind
      ? `rows (${Object.entries(r.rowsByKind).map(([k, n]) => `${k} ${n.toLocaleString("en-US")}`).join(", ")})`
      : `${r.kind} rows`;
    lines.push(`${r.file.split("/").pop()}: ${r.rows.toLocaleString("en-US")} ${what} for ${r.symbol} ${range}${r.checksum ? " (checksum ok)" : ""}`);
    if (r.invalidRows) lines.push(`  warning: ${r.invalidRows.toLocaleString("en-US")} impossible row(s) stored marked invalid (--allow-invalid-rows); rlt data status and rlt features will say so`);
    if (r.validation) lines.push(`  ${formatValidation(r.validation).replaceAll("\n", "\n  ")}`);
    for (const note of r.notes ?? []) lines.push(`  ${note}`);
  }
  return `${lines.join("\n")}\n`;
}
