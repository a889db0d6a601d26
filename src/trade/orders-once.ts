// Exactly-once delivery of one request identified by a deterministic client id: send; on an unknown
// outcome never send again while unknown, but query by the id with back-off; send again (the same id)
// only after `notFoundsBeforeResend` definite not-found answers, each after the first send's recvWindow
// has passed (a request that arrives later than that is refused by the exchange, so "not found" then
// means "never applied"). hummingbot gives up after 3 not-founds; nautilus re-checks 5 times.
import { TemporaryError } from "../core/errors.ts";
import { sleep as defaultSleep } from "../core/time.ts";
import { DUPLICATE_CLIENT_ID, KeysRejected, OrderRejected, UnknownOutcome } from "../venue/errors.ts";
import type { QueryResult } from "../venue/types.ts";

export interface OnceOptions {
  recvWindowMs: number;
  notFoundsBeforeResend: number;
  /** Waits before each query; the last repeats. */
  queryBackoffMs: readonly number[];
  /** Queries before giving up with the outcome still unknown (the journal keeps it unknown; a restart resumes). */
  maxQueries: number;
  /** Retries of a send that failed temporarily (not applied: 429, -1021, 503 Service Unavailable). */
  sendRetries: number;
  nowMs: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_ONCE: Omit<OnceOptions, "recvWindowMs"> = {
  notFoundsBeforeResend: 3,
  queryBackoffMs: [250, 500, 1000, 2000, 4000],
  maxQueries: 30,
  sendRetries: 4,
  nowMs: Date.now,
  sleep: (ms) => defaultSleep(ms),
};

export type OnceResult<R> = { kind: "done"; report: R } | { kind: "rejected"; error: OrderRejected } | { kind: "never-sent"; error: Error };

export interface OnceHooks<R> {
  send(): Promise<R>;
  query(): Promise<QueryResult<R>>;
  /** Known without asking (a user-stream event arrived while resolving). */
  known?(): R | undefined;
  /** Journal what happened: "sent", "unknown", "retry", "resend", "not-found". */
  note(event: "sent" | "unknown" | "retry" | "resend" | "not-found", detail: string): Promise<void>;
}

export class Once<R> {
  constructor(
    private readonly opts: OnceOptions,
    private readonly hooks: OnceHooks<R>,
  ) {}

  /** Send (the first time) and resolve. */
  async run(): Promise<OnceResult<R>> {
    for (let attempt = 0; ; attempt++) {
      const sentAtMs = this.opts.nowMs();
      try {
        const report = await this.hooks.send();
        await this.hooks.note("sent", "acknowledged");
        return { kind: "done", report };
      } catch (err) {
        if (err instanceof UnknownOutcome) {
          await this.hooks.note("unknown", err.message);
          return this.resolve(sentAtMs, true);
        }
        if (err instanceof OrderRejected && err.code === DUPLICATE_CLIENT_ID) {
          // an earlier send of this id is open on the exchange: find it
          await this.hooks.note("unknown", err.message);
          return this.resolve(sentAtMs, false);
        }
        if (err instanceof OrderRejected) return { kind: "rejected", error: err };
        if (err instanceof KeysRejected) throw err;
        if (err instanceof TemporaryError && attempt < this.opts.sendRetries) {
          await this.hooks.note("retry", err.message);
          await this.opts.sleep(err.retryAfterMs ?? this.backoff(attempt));
          continue;
        }
        if (err instanceof TemporaryError) return { kind: "never-sent", error: err };
        throw err;
      }
    }
  }

  /**
   * Find out what became of a request whose answer was lost. `mayResend` false (a request found
   * pending after a restart, decided on a bar long gone): a request never applied is reported as
   * never sent, not sent again.
   */
  async resolve(sentAtMs: number, mayResend: boolean): Promise<OnceResult<R>> {
    let notFounds = 0;
    let resent = false;
    for (let q = 0; q < this.opts.maxQueries; q++) {
      const known = this.hooks.known?.();
      if (known) return { kind: "done", report: known };
      await this.opts.sleep(this.backoff(q));
      const stream = this.hooks.known?.();
      if (stream) return { kind: "done", report: stream };
      let answer: QueryResult<R>;
      try {
        answer = await this.hooks.query();
      } catch (err) {
        if (err instanceof KeysRejected) throw err;
        if (err instanceof TemporaryError || (err instanceof OrderRejected && err.code === undefined)) continue; // no answer is not "not found"
        throw err;
      }
      if (answer.found) return { kind: "done", report: answer.report };
      // a not-found only counts once the request could no longer arrive and be applied
      if (this.opts.nowMs() - sentAtMs <= this.opts.recvWindowMs) continue;
      notFounds++;
      await this.hooks.note("not-found", `query ${notFounds} of ${this.opts.notFoundsBeforeResend}`);
      if (notFounds < this.opts.notFoundsBeforeResend) continue;
      if (!mayResend || resent) return { kind: "never-sent", error: new TemporaryError(`not found after ${notFounds} queries past the recvWindow: never applied`) };
      resent = true;
      notFounds = 0;
      sentAtMs = this.opts.nowMs();
      try {
        await this.hooks.note("resend", "sent again with the same client id after definite not-found answers");
        const report = await this.hooks.send();
        await this.hooks.note("sent", "acknowledged");
        return { kind: "done", report };
      } catch (err) {
        if (err instanceof OrderRejected && err.code !== DUPLICATE_CLIENT_ID) return { kind: "rejected", error: err };
        if (err instanceof KeysRejected) throw err;
        if (!(err instanceof TemporaryError) && !(err instanceof OrderRejected)) throw err;
        // unknown again, a duplicate, or a temporary failure: keep querying (never a third send)
      }
    }
    throw new UnknownOutcome(`the outcome is still unknown after ${this.opts.maxQueries} queries; the journal keeps it unknown and a restart resumes the check`);
  }

  private backoff(i: number): number {
    const b = this.opts.queryBackoffMs;
    return b[Math.min(i, b.length - 1)];
  }
}
