// Raw WebSocket capture files: one message per line, `<local receive time> <json>`, where the time is in
// ns (2024 capture) or µs (2023 capture) and the json is a combined-stream message `{stream, data}` or a
// REST depth snapshot.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { DataError } from "../core/errors.ts";
import { gunzipStream } from "../data/archive.ts";
import { type MarketEvent, parsePayload } from "./events.ts";

/** Receive time in ms from a ns / µs / ms integer string, by its number of digits. */
export function receiveTimeMs(text: string): number {
  if (text.length >= 18) return Number(text.slice(0, -6)) + Number(text.slice(-6)) / 1e6; // ns
  if (text.length >= 15) return Number(text.slice(0, -3)) + Number(text.slice(-3)) / 1e3; // µs
  return Number(text);
}

export interface CaptureLine {
  lineNo: number;
  /** Stream name for combined-stream messages ("btcusdt@depth@0ms"); undefined for the snapshot. */
  stream?: string;
  event: MarketEvent;
  /** The payload exactly as captured, for replay by the local exchange. */
  payload: Record<string, unknown>;
}

/** Stream the parsed events of a capture file (gzip or plain). Unknown message types are skipped. */
export async function* readCapture(file: string): AsyncGenerator<CaptureLine> {
  const input = createReadStream(file);
  // gunzipStream: a capture cut short (even at a line end) is a DataError, not a bare zlib error (exit 70)
  const rl = createInterface({ input: file.endsWith(".gz") ? gunzipStream(input, file) : input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    if (!line.trim()) continue;
    const space = line.indexOf(" ");
    let msg: { stream?: string; data?: Record<string, unknown> } & Record<string, unknown>;
    try {
      if (space < 0) throw new Error("no receive time");
      msg = JSON.parse(line.slice(space + 1));
    } catch (err) {
      throw new DataError(`${file} line ${lineNo}: not a capture line (${(err as Error).message})`, { cause: err });
    }
    const recvMs = receiveTimeMs(line.slice(0, space));
    const payload = (msg.data ?? msg) as Record<string, unknown>;
    const event = parsePayload(payload, recvMs);
    if (event) yield { lineNo, stream: msg.stream, event, payload };
  }
}
