// REQUEST_WEIGHT accounting as Binance does it: per IP, per minute of the server clock, reported in
// X-MBX-USED-WEIGHT-1M; 429 past the limit with Retry-After; 418 (ban) for clients that keep going.

export type Admission = { ok: true; used: number } | { ok: false; status: 429 | 418; used: number; retryAfterSec: number; bannedUntilMs?: number };

/** Binance bans IPs that ignore 429s for 2 minutes up to 3 days; the local exchange uses the minimum. */
const BAN_MS = 120_000;

export class WeightLimiter {
  private minute = -1;
  private used = 0;
  private rejections = 0;
  private bannedUntilMs = 0;
  private banNext = false;
  private refuseNextRequest = false;
  maxUsedInAMinute = 0;
  rejected429 = 0;

  constructor(
    private readonly limit: () => number,
    private readonly banAfter429s: () => number,
  ) {}

  /** Forget this minute's weight and any ban (the admin endpoint's reset, for rehearsals and tests). */
  reset(): void {
    this.used = 0;
    this.rejections = 0;
    this.bannedUntilMs = 0;
  }

  /** Ban from now on until untilMs (an injected 418; the request being admitted is refused even if untilMs is now). */
  ban(untilMs: number): void {
    this.bannedUntilMs = untilMs;
    this.banNext = true;
  }

  /** Answer the next request 429 whatever its weight (an injected rate limit). */
  refuseNext(): void {
    this.refuseNextRequest = true;
  }

  admit(weight: number, nowMs: number): Admission {
    const minute = Math.floor(nowMs / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.used = 0;
      this.rejections = 0;
    }
    const untilNextMinuteSec = Math.max(1, Math.ceil(((minute + 1) * 60_000 - nowMs) / 1000));
    if (this.banNext) {
      this.banNext = false;
      return { ok: false, status: 418, used: this.used, retryAfterSec: Math.max(1, Math.ceil((this.bannedUntilMs - nowMs) / 1000)), bannedUntilMs: this.bannedUntilMs };
    }
    if (nowMs < this.bannedUntilMs) return { ok: false, status: 418, used: this.used, retryAfterSec: Math.ceil((this.bannedUntilMs - nowMs) / 1000) };
    const refused = this.refuseNextRequest;
    this.refuseNextRequest = false;
    if (refused || this.used + weight > this.limit()) {
      this.rejections++;
      this.rejected429++;
      const ban = this.banAfter429s();
      if (ban > 0 && this.rejections > ban) {
        this.bannedUntilMs = nowMs + BAN_MS;
        return { ok: false, status: 418, used: this.used, retryAfterSec: BAN_MS / 1000 };
      }
      return { ok: false, status: 429, used: this.used, retryAfterSec: untilNextMinuteSec };
    }
    this.used += weight;
    this.maxUsedInAMinute = Math.max(this.maxUsedInAMinute, this.used);
    return { ok: true, used: this.used };
  }
}

/** GET /fapi/v1/klines weight by limit (Binance docs: [1,100) 1, [100,500) 2, [500,1000] 5, >1000 10). */
export function klinesWeight(limit: number): number {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

/** GET /fapi/v1/depth weight by limit (5/10/20/50 → 2, 100 → 5, 500 → 10, 1000 → 20). */
export function depthWeight(limit: number): number {
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}
