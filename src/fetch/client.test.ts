import { describe, expect, it } from "vitest";
import { ExchangeError, TemporaryError } from "../core/errors.ts";
import { classify, weightInfoKey } from "./client.ts";

/** Errors shaped as binance-api-node throws them: JSON bodies give `code`, others carry the response. */
function apiError(msg: string, code: number): Error {
  return Object.assign(new Error(msg), { code });
}
function proxyError(status: number, retryAfter?: string): Error {
  const headers = new Headers(retryAfter ? { "retry-after": retryAfter } : {});
  return Object.assign(new Error(`${status} Service Unavailable <html>…</html>`), { response: { status, headers } });
}

const NOW = Date.UTC(2023, 7, 17, 11, 12, 45); // 15 s before a minute ends

describe("classify", () => {
  it("waits out a 429 until the minute resets when no Retry-After is exposed", () => {
    const e = classify(apiError("Too many requests; current limit is 2400", -1003), NOW);
    expect(e).toBeInstanceOf(TemporaryError);
    expect((e as TemporaryError).retryAfterMs).toBe(15_500);
  });

  it("honours Retry-After when the error carries the response", () => {
    const e = classify(proxyError(429, "7"), NOW);
    expect(e).toBeInstanceOf(TemporaryError);
    expect((e as TemporaryError).retryAfterMs).toBe(7_000);
  });

  it("waits until the end of an IP ban", () => {
    const e = classify(apiError(`Way too many requests; IP banned until ${NOW + 120_000}.`, -1003), NOW);
    expect((e as TemporaryError).retryAfterMs).toBe(121_000);
  });

  it("retries 5xx, server-side error codes and clock skew", () => {
    expect(classify(proxyError(503), NOW)).toBeInstanceOf(TemporaryError);
    expect(classify(apiError("An unknown error occurred while processing the request.", -1000), NOW)).toBeInstanceOf(TemporaryError);
    expect(classify(apiError("Server is currently overloaded", -1008), NOW)).toBeInstanceOf(TemporaryError);
    expect(classify(apiError("Timestamp for this request is outside of the recvWindow.", -1021), NOW)).toBeInstanceOf(TemporaryError);
    expect(classify(new Error("fetch failed: ECONNREFUSED"), NOW)).toBeInstanceOf(TemporaryError);
  });

  it("makes other exchange errors final, with the exchange's code and message", () => {
    const e = classify(apiError("Invalid symbol.", -1121), NOW) as ExchangeError;
    expect(e).toBeInstanceOf(ExchangeError);
    expect(e).not.toBeInstanceOf(TemporaryError);
    expect(e.code).toBe(-1121);
    expect(e.message).toMatch(/unknown symbol: Invalid symbol\. \(code -1121\)/);
    const p = classify(apiError("Mandatory parameter 'symbol' was not sent.", -1102), NOW) as ExchangeError;
    expect(p).toMatchObject({ code: -1102 });
    expect(p.message).toMatch(/Mandatory parameter/);
  });
});

describe("weightInfoKey", () => {
  it("matches the key binance-api-node records X-MBX-USED-WEIGHT-1M under", () => {
    expect(weightInfoKey("https://fapi.binance.com")).toBe("fapi.binance.com");
    expect(weightInfoKey("http://127.0.0.1:41234")).toBe("127.0.0.1");
    expect(weightInfoKey("http://localhost:8080")).toBe("null");
  });
});
