// How a venue call can end besides success, as rlt's error classes. The distinction that matters for
// money: an UnknownOutcome may have been applied (query before anything is re-sent); an OrderRejected
// was not, for good; a TemporaryError was not, and the same request may be retried.
import { ExchangeError, InternalError, TemporaryError, UsageError } from "../core/errors.ts";
import { maskUrlsIn } from "../core/url.ts";
import { redactSecrets } from "./keys.ts";

/** The request may or may not have been applied (timeout, 503 "Unknown error", -1006, -1007, 408, a reset after sending). */
export class UnknownOutcome extends TemporaryError {}

/** A definite refusal: the exchange answered with an error code and did not apply the request. */
export class OrderRejected extends ExchangeError {}

/** The exchange refused the API key or its signature: nothing will work until the keys are fixed. */
export class KeysRejected extends UsageError {}

/** Binance codes whose outcome is unknown: -1000 unknown error, -1006 unexpected response, -1007 backend timeout. */
const UNKNOWN_CODES = new Set([-1000, -1006, -1007]);
/** Binance codes that mean "not applied now, try again": -1001 disconnected, -1003 too many requests, -1008 throttled, -1021 timestamp outside recvWindow. */
const TEMPORARY_CODES = new Set([-1001, -1003, -1008, -1021]);
/** binance-api-node's checkParams messages. */
const CLIENT_CHECK = /^(Method \w+ requires \w+ parameter|You need to pass)/;
/** The 503 texts Binance documents as "failed, not applied" (retry with back-off). */
const DOCUMENTED_FAILED = /^(503 )?service unavailable|internal error; unable to process/i;
/** -2014 bad API-key format, -2015 invalid key / IP / permissions, -1022 bad signature. */
const AUTH_CODES = new Set([-2014, -2015, -1022]);
/** Network failures where the request may already have reached the exchange. */
const MAYBE_SENT = /socket hang up|ECONNRESET|EPIPE|ETIMEDOUT|network timeout|aborted/i;
/** Network failures before anything was sent. */
const NOT_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/i;

export interface VendorErrorContext {
  /** What was being done, for the message ("POST /fapi/v1/order BTCUSDT rlt-…"). */
  what: string;
  /** Whether the call changes state on the exchange: only then is a lost answer an unknown outcome. */
  mutating: boolean;
  serverNowMs: number;
}

/** Message, Binance code and HTTP status of a binance-api-node or network error, masked. */
export function vendorErrorParts(err: unknown): { message: string; code?: number; status?: number } {
  const e = err as { code?: number | string; message?: string; response?: { status?: number }; cause?: { code?: string } };
  const raw = `${e?.message ?? String(err)}${typeof e?.code === "string" ? ` (${e.code})` : ""}${e?.cause?.code ? ` (${e.cause.code})` : ""}`;
  const message = redactSecrets(maskUrlsIn(raw)).split("\n")[0].slice(0, 300);
  const status = e?.response?.status ?? (Number(/^(\d{3}) /.exec(message)?.[1]) || undefined);
  return { message, code: typeof e?.code === "number" ? e.code : undefined, status };
}

/** Map a vendor error onto rlt's classes (the original kept as `cause`). */
export function mapVendorError(err: unknown, ctx: VendorErrorContext): Error {
  if (err instanceof UnknownOutcome || err instanceof OrderRejected || err instanceof KeysRejected || err instanceof TemporaryError) return err;
  const { message, code, status } = vendorErrorParts(err);
  // binance-api-node's own parameter checks throw before anything is sent: rlt built a bad request
  if (CLIENT_CHECK.test(message)) return new InternalError(`${ctx.what}: ${message}`, { cause: err });
  const what = `${ctx.what}: ${message}${code !== undefined ? ` (code ${code})` : ""}`;
  if (code !== undefined && AUTH_CODES.has(code)) {
    return new KeysRejected(`the exchange rejected the API keys: ${message} (code ${code})`, {
      cause: err,
      hint: "check RLT_API_KEY and RLT_API_SECRET (or the --key-file): the key must be valid for this exchange, allow futures trading, and allow this IP",
    });
  }
  if (code === -1003 || status === 429 || status === 418) {
    const until = Number(/banned until (\d+)/.exec(message)?.[1]);
    const retryAfterMs = Number.isFinite(until) ? Math.max(0, until - ctx.serverNowMs) + 1000 : (Math.floor(ctx.serverNowMs / 60_000) + 1) * 60_000 - ctx.serverNowMs + 500;
    return new TemporaryError(`rate limited: ${what}`, { cause: err, retryAfterMs });
  }
  if (DOCUMENTED_FAILED.test(message)) return new TemporaryError(`the exchange could not take the request now: ${what}`, { cause: err });
  if (/unknown error, please check your request/i.test(message) || (code !== undefined && UNKNOWN_CODES.has(code)) || status === 408) {
    return ctx.mutating ? new UnknownOutcome(`outcome unknown: ${what}`, { cause: err }) : new TemporaryError(`the exchange could not answer now: ${what}`, { cause: err });
  }
  if (code !== undefined && TEMPORARY_CODES.has(code)) {
    return new TemporaryError(`the exchange could not take the request now: ${what}`, { cause: err });
  }
  if (status !== undefined && status >= 500) {
    // a gateway's 502/504 says nothing of whether the order behind it was applied
    return ctx.mutating ? new UnknownOutcome(`outcome unknown: ${what}`, { cause: err }) : new TemporaryError(`the exchange could not answer now: ${what}`, { cause: err });
  }
  if (NOT_SENT.test(message)) return new TemporaryError(`exchange unreachable: ${what}`, { cause: err });
  if (MAYBE_SENT.test(message)) {
    return ctx.mutating ? new UnknownOutcome(`connection lost, outcome unknown: ${what}`, { cause: err }) : new TemporaryError(`connection lost: ${what}`, { cause: err });
  }
  if (code !== undefined) return new OrderRejected(`the exchange refused ${what}`, { cause: err, code });
  // no code and no known network failure: not something the exchange said; treat like a lost answer
  return ctx.mutating ? new UnknownOutcome(`outcome unknown: ${what}`, { cause: err }) : new TemporaryError(`request failed: ${what}`, { cause: err });
}

/** Rejection codes that mean "no such order" for a query or a cancel: -2011 unknown order (cancel), -2013 order does not exist. */
export const NOT_FOUND_CODES: ReadonlySet<number> = new Set([-2011, -2013]);
/** -4116 duplicate client order id: an order with this id is open, i.e. an earlier send arrived. */
export const DUPLICATE_CLIENT_ID = -4116;
