// The intent log: an append-only file beside a session's journal that holds each order's intent before
// the order is sent. A DuckDB commit costs milliseconds (its WAL is fsync'ed each time), and the intent
// is the one write in front of a send; an append is a few microseconds. Once `append` returns, the line
// is in the kernel's page cache, so a kill -9 of the trader cannot lose it; the fdatasync that makes it
// survive a power loss too runs in the background, while the order is on its way. The journal replays
// the log when it opens (an intent whose DuckDB row a crash prevented is written then) and empties it
// once everything in it is committed.
import { closeSync, existsSync, fdatasync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";

/** One logged intent: the order row's values as the journal inserts them, and its first event's text. */
export interface IntentRecord {
  v: 1;
  row: (string | number | boolean | null)[];
  event: { tsMs: number; clientId: string; detail: string };
}

export class IntentLog {
  private fd: number | undefined;
  private syncing = false;
  private syncAgain = false;
  private closeAfterSync = false;

  constructor(readonly file: string) {}

  /** Every complete record in the file (a line cut short by a crash was never followed by its send). */
  static read(file: string): IntentRecord[] {
    if (!existsSync(file)) return [];
    const out: IntentRecord[] = [];
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line, revive) as IntentRecord);
      } catch {
        // only the last line can be partial; anything that does not parse was never complete
      }
    }
    return out;
  }

  /** Append one record; it survives a crash of this process when this returns. */
  append(record: IntentRecord): void {
    if (this.closeAfterSync) throw new Error("internal: the intent log is closed");
    this.fd ??= openSync(this.file, "a");
    writeSync(this.fd, `${JSON.stringify(record, replace)}\n`);
    this.syncInBackground();
  }

  /** Everything logged is committed in the journal: start the file afresh. */
  clear(): void {
    this.fd ??= openSync(this.file, "a");
    ftruncateSync(this.fd, 0);
  }

  close(): void {
    // a background fdatasync still holds the descriptor: closing it now could sync a reused number
    if (this.syncing) this.closeAfterSync = true;
    else if (this.fd !== undefined) closeSync(this.fd);
    if (!this.syncing) this.fd = undefined;
  }

  private syncInBackground(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const fd = this.fd;
    if (fd === undefined) return;
    this.syncing = true;
    fdatasync(fd, () => {
      // an error here (the fd closed at shutdown) loses nothing a kill could: the data is in the page cache
      this.syncing = false;
      if (this.closeAfterSync) {
        closeSync(fd);
        this.fd = undefined;
        return;
      }
      if (this.syncAgain) {
        this.syncAgain = false;
        this.syncInBackground();
      }
    });
  }
}

// JSON has no NaN or Infinity: a quantity or price that is one must come back as one
function replace(_key: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? { $num: String(v) } : v;
}

function revive(_key: string, v: unknown): unknown {
  return v && typeof v === "object" && "$num" in v ? Number((v as { $num: string }).$num) : v;
}
