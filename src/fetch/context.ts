// What every kind's fetcher works with, and the counters it fills in as it goes (so an interrupted run
// still reports what it did).
import type { Store } from "../data/store.ts";
import type { MarketClient } from "./client.ts";
import type { FetchState } from "./plan.ts";

export interface FetchContext {
  client: MarketClient;
  store: Store;
  state: FetchState;
  /** Base URL of the bulk files (data.binance.vision or the local exchange). */
  visionBase: string;
  progress: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface KindCounters {
  requests: number;
  rowsFetched: number;
  rowsStored: number;
  /** Bulk files the exchange does not publish (404), e.g. bookDepth for days before it began. */
  unavailable: string[];
  /** Bulk files refused (checksum mismatch, no checksum); nothing of them was stored. */
  rejected: string[];
}

export function newCounters(): KindCounters {
  return { requests: 0, rowsFetched: 0, rowsStored: 0, unavailable: [], rejected: [] };
}
