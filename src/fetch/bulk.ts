// Daily bulk files from data.binance.vision (or the local exchange): download, verify the .CHECKSUM,
// import all-or-nothing. Used for aggTrades history, bookDepth and metrics.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DataError } from "../core/errors.ts";
import { verifyChecksum } from "../data/checksum.ts";
import { importFile } from "../data/import/index.ts";
import type { KindName } from "../data/kinds.ts";
import type { Store } from "../data/store.ts";
import type { MarketClient } from "./client.ts";

/** Vision folder names of the stored kinds served as daily files. */
export const VISION_TYPE: Partial<Record<KindName, string>> = {
  aggtrades: "aggTrades",
  bookdepth: "bookDepth",
  metrics: "metrics",
};

export function dailyUrl(visionBase: string, kind: KindName, symbol: string, day: string): string {
  const type = VISION_TYPE[kind];
  if (!type) throw new Error(`internal: no daily vision files for ${kind}`);
  return `${visionBase}/data/futures/um/daily/${type}/${symbol}/${symbol}-${type}-${day}.zip`;
}

export type BulkOutcome = { status: "imported"; rows: number } | { status: "unavailable" } | { status: "rejected"; reason: string };

/** Download one daily zip and its checksum, verify, import. A bad checksum rejects the file: nothing is stored. */
export async function importDaily(client: MarketClient, store: Store, visionBase: string, kind: KindName, symbol: string, day: string): Promise<BulkOutcome> {
  const url = dailyUrl(visionBase, kind, symbol, day);
  const zip = await client.download(url);
  if (!zip) return { status: "unavailable" };
  const checksum = await client.download(`${url}.CHECKSUM`);
  const dir = mkdtempSync(path.join(store.dir, ".rlt-tmp-download-"));
  try {
    const file = path.join(dir, path.basename(url));
    writeFileSync(file, zip);
    if (!checksum) return { status: "rejected", reason: `${path.basename(url)} has no .CHECKSUM file to verify it against` };
    writeFileSync(`${file}.CHECKSUM`, checksum);
    try {
      await verifyChecksum(file, `${file}.CHECKSUM`);
    } catch (err) {
      if (err instanceof DataError) return { status: "rejected", reason: err.message };
      throw err;
    }
    const res = await importFile(store, { file, kind, symbol });
    return { status: "imported", rows: res.rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
