import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OrderRejected, UnknownOutcome, KeysRejected, mapVendorError } from "./errors.ts";
import { keyHint, loadKeys, redactSecrets } from "./keys.ts";
import { InternalError, TemporaryError } from "../core/errors.ts";

const dir = mkdtempSync(path.join(tmpdir(), "rlt-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("keys", () => {
  it("come from RLT_API_KEY / RLT_API_SECRET, or a key file of two lines or JSON", () => {
    expect(loadKeys({ env: { RLT_API_KEY: " envKey12345 ", RLT_API_SECRET: "envSecret123\n" } })).toEqual({ apiKey: "envKey12345", apiSecret: "envSecret123" });
    const two = path.join(dir, "two");
    writeFileSync(two, "fileKey12345\nfileSecret12345\n");
    expect(loadKeys({ keyFile: two, env: {} })).toEqual({ apiKey: "fileKey12345", apiSecret: "fileSecret12345" });
    const json = path.join(dir, "k.json");
    writeFileSync(json, JSON.stringify({ apiKey: "jsonKey12345", apiSecret: "jsonSecret12345" }));
    expect(loadKeys({ keyFile: json, env: { RLT_API_KEY: "ignored" } })).toEqual({ apiKey: "jsonKey12345", apiSecret: "jsonSecret12345" });
    expect(loadKeys({ env: {} })).toBeUndefined();
  });

  it("refuse half a pair and a malformed file without echoing its content", () => {
    expect(() => loadKeys({ env: { RLT_API_KEY: "onlyTheKey123" } })).toThrow("RLT_API_SECRET is not set but RLT_API_KEY is");
    const bad = path.join(dir, "bad");
    writeFileSync(bad, '{"apiKey": "leakyKey99999", "apiSecret": ');
    const err = (() => {
      try {
        loadKeys({ keyFile: bad, env: {} });
      } catch (e) {
        return e as Error;
      }
    })()!;
    expect(err.message).toContain("holds neither two lines");
    expect(err.message).not.toContain("leakyKey99999");
    expect(() => loadKeys({ keyFile: path.join(dir, "missing"), env: {} })).toThrow("cannot read the key file");
  });

  it("are masked wherever they appear once loaded", () => {
    loadKeys({ env: { RLT_API_KEY: "maskMeKey123456", RLT_API_SECRET: "maskMeSecret123456" } });
    expect(redactSecrets("key=maskMeKey123456 secret maskMeSecret123456.")).toBe("key=*** secret ***.");
    expect(keyHint("maskMeKey123456")).toBe("…3456");
  });
});

describe("vendor errors", () => {
  const ctx = (mutating: boolean) => ({ what: "POST /fapi/v1/order BTCUSDT rlt-x", mutating, serverNowMs: 1_700_000_000_000 });
  const binance = (code: number, msg: string) => Object.assign(new Error(msg), { code, url: "http://127.0.0.1/fapi/v1/order?quantity=1&signature=abc" });

  it("separate unknown outcomes from rejections, temporary failures and rejected keys", () => {
    expect(mapVendorError(binance(-1000, "Unknown error, please check your request or try again later."), ctx(true))).toBeInstanceOf(UnknownOutcome);
    expect(mapVendorError(binance(-1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown."), ctx(true))).toBeInstanceOf(UnknownOutcome);
    expect(mapVendorError(binance(-1006, "An unexpected response was received from the message bus."), ctx(true))).toBeInstanceOf(UnknownOutcome);
    expect(mapVendorError(new Error("408 Request Timeout"), ctx(true))).toBeInstanceOf(UnknownOutcome);
    expect(mapVendorError(Object.assign(new Error("request to http://x/fapi/v1/order?signature=s failed, reason: socket hang up"), { code: "ECONNRESET" }), ctx(true))).toBeInstanceOf(UnknownOutcome);
    expect(mapVendorError(new Error("network timeout after 10000 ms"), ctx(true))).toBeInstanceOf(UnknownOutcome);
    // the client refused to build the request: nothing was sent, and it is rlt's bug
    expect(mapVendorError(new Error("Method order requires quantity parameter."), ctx(true))).toBeInstanceOf(InternalError);
    // the same failures on a read are only temporary
    expect(mapVendorError(new Error("network timeout after 10000 ms"), ctx(false))).not.toBeInstanceOf(UnknownOutcome);
    const refused = mapVendorError(Object.assign(new Error("request to http://x failed, reason: connect ECONNREFUSED"), { code: "ECONNREFUSED" }), ctx(true));
    expect(refused).toBeInstanceOf(TemporaryError);
    expect(refused).not.toBeInstanceOf(UnknownOutcome);
    expect(mapVendorError(binance(-1000, "Service Unavailable."), ctx(true))).not.toBeInstanceOf(UnknownOutcome);
    expect(mapVendorError(binance(-1000, "Internal error; unable to process your request. Please try again."), ctx(true))).not.toBeInstanceOf(UnknownOutcome);
    // a proxy's 5xx page says nothing of the order behind it
    expect(mapVendorError(new Error("504 Gateway Timeout <html>"), ctx(true))).toBeInstanceOf(UnknownOutcome);
    expect(mapVendorError(new Error("503 Service Temporarily Unavailable <html>"), ctx(false))).toBeInstanceOf(TemporaryError);
    expect(mapVendorError(binance(-1008, "Request throttled by system-level protection."), ctx(true))).toBeInstanceOf(TemporaryError);
    const limited = mapVendorError(binance(-1003, "Way too many requests; IP banned until 1700000030000."), ctx(true)) as TemporaryError;
    expect(limited.retryAfterMs).toBe(31_000);
    expect(mapVendorError(binance(-1021, "Timestamp for this request is outside of the recvWindow."), ctx(true))).toBeInstanceOf(TemporaryError);
    const rejected = mapVendorError(binance(-2019, "Margin is insufficient."), ctx(true)) as OrderRejected;
    expect(rejected).toBeInstanceOf(OrderRejected);
    expect(rejected.code).toBe(-2019);
    expect(rejected.message).toBe("the exchange refused POST /fapi/v1/order BTCUSDT rlt-x: Margin is insufficient. (code -2019)");
    for (const code of [-2014, -2015, -1022]) {
      const k = mapVendorError(binance(code, "Invalid API-key, IP, or permissions for action."), ctx(false));
      expect(k).toBeInstanceOf(KeysRejected);
      expect((k as KeysRejected).hint).toContain("RLT_API_KEY");
    }
    expect(mapVendorError(new Error("request to http://h/p?signature=secretsig failed, reason: socket hang up"), ctx(false)).message).not.toContain("secretsig");
  });
});
