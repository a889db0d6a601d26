// Test fixture: a store loaded with the bundled real BTCUSDT sample (klines + funding).
import path from "node:path";
import { importFile } from "../../src/data/import/index.ts";
import { Store } from "../../src/data/store.ts";
import { tempDir } from "./files.ts";

// many tests take tempDir from here, beside the sample
export { tempDir };

export const SAMPLE_DIR = path.resolve(import.meta.dirname, "../../data/sample");
export const SAMPLE_KLINES = path.join(SAMPLE_DIR, "BTCUSDT-1m-20230718-20230817.csv.gz");
export const SAMPLE_FUNDING = path.join(SAMPLE_DIR, "BTCUSDT-fundingRate-20230704-20230817.csv.gz");
export const SAMPLE_CAPTURE_2024 = path.join(SAMPLE_DIR, "BTCUSDT-ws-capture-20240718T2357.txt.gz");
/** First and last open time of the sample's 43,199 bars. */
export const SAMPLE_FIRST_MS = Date.UTC(2023, 6, 18, 11, 13);
export const SAMPLE_LAST_MS = Date.UTC(2023, 7, 17, 11, 11);

/** A new data directory holding the real sample's klines and funding. */
export async function sampleDataDir(): Promise<string> {
  const dir = tempDir("rlt-sample-");
  const store = await Store.open(dir);
  try {
    await importFile(store, { file: SAMPLE_KLINES });
    await importFile(store, { file: SAMPLE_FUNDING });
  } finally {
    store.close();
  }
  return dir;
}
