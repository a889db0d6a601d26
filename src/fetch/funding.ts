// Funding settlements over REST (GET /fapi/v1/fundingRate, 1000 per page). Three a day, so the whole
// range is re-read on every run: one request covers 333 days, and upserts make it idempotent.
import type { FetchContext, KindCounters } from "./context.ts";
import type { Range } from "./plan.ts";

const FUNDING_PER_REQUEST = 1000;

export async function fetchFunding(ctx: FetchContext, symbol: string, range: Range, out: KindCounters): Promise<void> {
  const { client, store, progress, signal } = ctx;
  let cursor = range.fromMs;
  progress(0, 1);
  while (cursor < range.toMs && !signal?.aborted) {
    const rows = await client.fundingRate({ symbol, startTime: cursor, endTime: range.toMs - 1, limit: FUNDING_PER_REQUEST });
    out.requests++;
    const inRange = rows.filter((r) => r.fundingTime >= cursor && r.fundingTime < range.toMs);
    out.rowsFetched += inRange.length;
    if (inRange.length) {
      const res = await store.upsertColumns("funding", symbol, {
        funding_time: inRange.map((r) => r.fundingTime),
        funding_rate: inRange.map((r) => Number(r.fundingRate)),
        mark_price: inRange.map((r) => (r.markPrice === "" || r.markPrice === undefined ? null : Number(r.markPrice))),
      });
      out.rowsStored += res.rows;
    }
    progress(out.requests, out.requests + (rows.length === FUNDING_PER_REQUEST ? 1 : 0));
    if (rows.length < FUNDING_PER_REQUEST || inRange.length === 0) break;
    cursor = inRange[inRange.length - 1].fundingTime + 1;
  }
}
