// Deterministic client order ids: the same (session, bar, leg, revision) always gives the same id, so a
// retry after an unknown outcome can never become a second order (Binance answers -4116 to a duplicate
// of an open order, and a query by the id finds the first). Binance allows ^[.A-Z:/a-z0-9_-]{1,36}$.
import { createHash } from "node:crypto";
import { BAR_MS } from "../core/time.ts";

export const LEGS = ["open", "close", "flatten", "stop", "tp"] as const;
export type Leg = (typeof LEGS)[number];
const LEG_CODE: Record<Leg, string> = { open: "o", close: "c", flatten: "f", stop: "s", tp: "t" };
const CODE_LEG = Object.fromEntries(Object.entries(LEG_CODE).map(([l, c]) => [c, l])) as Record<string, Leg>;

export const CLIENT_ID_PATTERN = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const PREFIX = "rlt";
const SESSION_HASH_CHARS = 6;
/** rlt-<session hash>-<bar minute, base 36>-<leg code><revision, base 36; none for 0> */
const PARSE = /^rlt-([0-9a-z]{6})-([0-9a-z]{1,12})-([ocfst])([0-9a-z]{0,6})$/;

/** Six base-36 characters of the session name's SHA-256: ids of different sessions do not collide (2^31 values). */
export function sessionTag(session: string): string {
  const h = createHash("sha256").update(session).digest();
  return (h.readUInt32BE(0) % 36 ** SESSION_HASH_CHARS).toString(36).padStart(SESSION_HASH_CHARS, "0");
}

/**
 * The client id of one leg decided at one bar: `rlt-k3j9x0-hzqg1a-o`, `rlt-k3j9x0-hzqg1a-t2` (the third
 * take-profit placed on that bar). 21-26 characters for any bar before the year 3000.
 */
export function clientOrderId(session: string, barOpenTimeMs: number, leg: Leg, revision = 0): string {
  if (barOpenTimeMs % BAR_MS !== 0) throw new RangeError(`bar open time ${barOpenTimeMs} is not on a bar boundary`);
  if (!Number.isInteger(revision) || revision < 0) throw new RangeError(`revision ${revision} is not a non-negative integer`);
  const id = `${PREFIX}-${sessionTag(session)}-${(barOpenTimeMs / BAR_MS).toString(36)}-${LEG_CODE[leg]}${revision ? revision.toString(36) : ""}`;
  return id;
}

export interface ParsedClientId {
  sessionTag: string;
  barOpenTimeMs: number;
  leg: Leg;
  revision: number;
}

/** The parts of an id clientOrderId() made, or undefined for any other id (someone else's order). */
export function parseClientOrderId(id: string): ParsedClientId | undefined {
  const m = PARSE.exec(id);
  if (!m) return undefined;
  return { sessionTag: m[1], barOpenTimeMs: parseInt(m[2], 36) * BAR_MS, leg: CODE_LEG[m[3]], revision: m[4] ? parseInt(m[4], 36) : 0 };
}

/** Whether `id` was made by this session. */
export function isSessionId(session: string, id: string): boolean {
  return parseClientOrderId(id)?.sessionTag === sessionTag(session);
}
