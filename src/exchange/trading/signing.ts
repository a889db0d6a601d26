// Binance's request authentication: X-MBX-APIKEY, an HMAC-SHA256 `signature` over the query string and
// body as sent, and a `timestamp` inside `recvWindow` of the server clock (the replay clock, skew included).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ApiError } from "../api-error.ts";

export interface ApiKeyPair {
  apiKey: string;
  apiSecret: string;
}

/** Binance: recvWindow defaults to 5000 ms and may not exceed 60000; a timestamp up to 1 s ahead is accepted. */
const DEFAULT_RECV_WINDOW_MS = 5000;
const MAX_RECV_WINDOW_MS = 60_000;
const MAX_AHEAD_MS = 1000;

/** A fresh key pair in Binance's shape (64 alphanumerics each) for `rlt exchange` to print. */
export function generateKeyPair(): ApiKeyPair {
  const alnum = (n: number) => randomBytes(n).toString("base64").replace(/[^A-Za-z0-9]/g, "").padEnd(64, "x").slice(0, 64);
  return { apiKey: alnum(64), apiSecret: alnum(64) };
}

export function sign(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

/** The API key a keyed request (listenKey endpoints) carries, or -2014/-2015. */
export function requireKey(headers: Record<string, string | string[] | undefined>, keys: ApiKeyPair[]): ApiKeyPair {
  const key = headers["x-mbx-apikey"];
  if (typeof key !== "string" || key === "") throw new ApiError(400, -2014, "API-key format invalid.");
  const pair = keys.find((k) => k.apiKey === key);
  if (!pair) throw new ApiError(401, -2015, "Invalid API-key, IP, or permissions for action.");
  return pair;
}

/**
 * Check a signed request. `rawQuery` is the query string exactly as sent (without '?'); the signed payload
 * is it without its `signature` parameter, followed by the body.
 */
export function verifySigned(headers: Record<string, string | string[] | undefined>, rawQuery: string, body: string, keys: ApiKeyPair[], serverNowMs: number): ApiKeyPair {
  const pair = requireKey(headers, keys);
  const params = new URLSearchParams(rawQuery + (body ? `&${body}` : ""));
  const tsText = params.get("timestamp");
  if (!tsText) throw new ApiError(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
  const recvText = params.get("recvWindow");
  const recvWindow = recvText ? Number(recvText) : DEFAULT_RECV_WINDOW_MS;
  if (!Number.isFinite(recvWindow) || recvWindow <= 0 || recvWindow > MAX_RECV_WINDOW_MS) {
    throw new ApiError(400, -1131, "recvWindow must be less than 60000");
  }
  const ts = Number(tsText);
  if (!Number.isFinite(ts) || ts >= serverNowMs + MAX_AHEAD_MS || serverNowMs - ts > recvWindow) {
    throw new ApiError(400, -1021, ts >= serverNowMs + MAX_AHEAD_MS ? "Timestamp for this request was 1000ms ahead of the server's time." : "Timestamp for this request is outside of the recvWindow.");
  }
  const given = params.get("signature");
  if (!given) throw new ApiError(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
  const payload = [stripSignature(rawQuery), body].filter(Boolean).join("");
  const want = Buffer.from(sign(payload, pair.apiSecret));
  const got = Buffer.from(given);
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw new ApiError(400, -1022, "Signature for this request is not valid.");
  return pair;
}

function stripSignature(rawQuery: string): string {
  return rawQuery
    .split("&")
    .filter((kv) => !kv.startsWith("signature="))
    .join("&");
}
