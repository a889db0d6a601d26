// The user data stream: one listenKey for the account, valid 60 minutes of the server clock and extended
// by POST/PUT; its WebSocket (/private/ws/<key>, /private/ws?listenKey=<key>) receives the engine's
// events. On expiry the stream sends listenKeyExpired and then nothing, and calls with the key get -1125.
// Faults: events dropped or delayed at a seeded rate.
import { randomBytes } from "node:crypto";
import { HOUR_MS } from "../../core/time.ts";
import { ApiError } from "../api-error.ts";
import type { StreamSource } from "../types.ts";
import type { FaultCounter } from "./faults.ts";
import type { UserEvent } from "./types.ts";

export const LISTEN_KEY_VALIDITY_MS = HOUR_MS;

export interface UserStreamFaults {
  /** Fraction (0..1) of user-stream events never sent. */
  userEventDropRate: number;
  /** Fraction (0..1) of user-stream events sent late, by userEventDelayMs of wall time. */
  userEventDelayRate: number;
  userEventDelayMs: number;
}

interface KeyState {
  key: string;
  validUntilMs: number;
  expired: boolean;
  senders: Set<(payload: Record<string, unknown>) => void>;
}

export class UserStreams implements StreamSource {
  private current: KeyState | undefined;
  private readonly all = new Map<string, KeyState>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly faults: UserStreamFaults,
    private readonly random: () => number,
    private readonly counter: FaultCounter,
  ) {}

  /** POST /fapi/v1/listenKey: the account's valid key (a new one if none), extended to now + 60 min. */
  create(nowMs: number): string {
    if (!this.current || this.current.expired) {
      // lower-case hex: stream names are case-folded by the router
      this.current = { key: randomBytes(32).toString("hex"), validUntilMs: 0, expired: false, senders: new Set() };
      this.all.set(this.current.key, this.current);
    }
    this.current.validUntilMs = nowMs + LISTEN_KEY_VALIDITY_MS;
    return this.current.key;
  }

  /** PUT /fapi/v1/listenKey. */
  keepAlive(key: string | null, nowMs: number): string {
    const k = key ? this.all.get(key.toLowerCase()) : this.current;
    if (!k || k.expired) throw new ApiError(400, -1125, "This listenKey does not exist.");
    k.validUntilMs = nowMs + LISTEN_KEY_VALIDITY_MS;
    return k.key;
  }

  /** DELETE /fapi/v1/listenKey: the stream ends (no listenKeyExpired: the client asked). */
  close(key?: string | null): void {
    const k = key ? this.all.get(key.toLowerCase()) : this.current;
    if (!k) return;
    k.expired = true;
    k.senders.clear();
  }

  /** Expire keys whose validity ran out by nowMs (or every key, for the injected fault). */
  expire(nowMs: number, all = false): void {
    for (const k of this.all.values()) {
      if (k.expired || (!all && nowMs < k.validUntilMs)) continue;
      k.expired = true;
      for (const send of k.senders) send({ e: "listenKeyExpired", E: nowMs, listenKey: k.key });
      k.senders.clear();
    }
  }

  publish(ev: UserEvent): void {
    const k = this.current;
    if (!k || k.expired || k.senders.size === 0) return;
    if (this.faults.userEventDropRate > 0 && this.random() < this.faults.userEventDropRate) {
      this.counter.count("userEventDropped");
      return;
    }
    const senders = [...k.senders];
    if (this.faults.userEventDelayRate > 0 && this.random() < this.faults.userEventDelayRate) {
      this.counter.count("userEventDelayed");
      const t = setTimeout(() => {
        this.timers.delete(t);
        for (const send of senders) if (k.senders.has(send)) send(ev);
      }, this.faults.userEventDelayMs);
      this.timers.add(t);
      return;
    }
    for (const send of senders) send(ev);
  }

  canServe(stream: string): boolean {
    const k = this.all.get(stream);
    return k !== undefined && !k.expired;
  }

  subscribe(stream: string, send: (payload: Record<string, unknown>) => void): () => void {
    const k = this.all.get(stream)!;
    k.senders.add(send);
    return () => k.senders.delete(send);
  }

  shutdown(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
