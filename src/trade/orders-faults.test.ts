// A short soak of the order manager on the local exchange through binance-api-node: many entries and
// exits, each bar under injected faults (503 after apply, -1007 after apply, -1006 not applied, -1021,
// 5xx pages, dropped user events). Counts what matters: duplicated orders (0), orphaned protective
// orders (0), and the journal's position against the exchange's after every bar.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleDataDir } from "../../test/helpers/sample-store.ts";
import { TemporaryError } from "../core/errors.ts";
import { startExchange } from "../exchange/server.ts";
import type { RunningExchange } from "../exchange/types.ts";
import { BinanceVenue } from "../venue/binance.ts";
import { Journal } from "./journal.ts";
import { OrderManager } from "./orders.ts";

const KEY = { apiKey: "rltSoakKey000001", apiSecret: "rltSoakSecret000001" };
const T0 = Date.UTC(2023, 6, 20, 0, 0);
// the long form: RLT_SOAK_BARS=2000 RLT_SOAK_SEED=7 npx vitest run src/trade/orders-faults.test.ts
const BARS = Number(process.env.RLT_SOAK_BARS ?? 40);
const SEED = Number(process.env.RLT_SOAK_SEED ?? 42);
let ex: RunningExchange;

beforeAll(async () => {
  ex = await startExchange({ dataDir: await sampleDataDir(), replay: { fromMs: T0, barsPerSecond: 1, manual: true }, trading: { keys: [KEY] }, faultSeed: SEED });
});
afterAll(async () => ex?.close());

/** A read retried through temporary failures (the injected 5xx pages hit reads too). */
async function read<T>(venue: BinanceVenue, fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof TemporaryError) || i > 20) throw err;
      await venue.serverTimeMs().catch(() => undefined);
    }
  }
}

describe("order manager under faults", () => {
  it(`${BARS} bars of entries, reversals and exits: no duplicate, no orphan, the journal's position equal to the exchange's after every bar`, { timeout: 240_000 + BARS * 2000 }, async () => {
    const venue = new BinanceVenue({ exchange: "local", restUrl: ex.restUrl, wsUrl: ex.wsUrl, ...KEY, recvWindowMs: 300, requestTimeoutMs: 5000 });
    await venue.serverTimeMs();
    const journal = await Journal.open(":memory:", { session: "soak", run: "r", model: "m", exchange: "local", mode: "exchange", symbol: "BTCUSDT", config: {} });
    const filters = await read(venue, () => venue.exchangeInfo("BTCUSDT"));
    const manager = await OrderManager.create({ venue, journal, symbol: "BTCUSDT", session: "soak", filters, fillWaitMs: 300, once: { queryBackoffMs: [20, 50, 100], maxQueries: 60, sendRetries: 6 } });
    const gaps: string[] = [];
    const stream = await venue.userStream({ onEvent: (e) => void manager.handleUserEvent(e), onGap: (r) => gaps.push(r) });
    const FAULTS = { orderUnknownErrorRate: 0.15, orderTimeoutRate: 0.15, orderRejectRate: 0.1, timestampErrorRate: 0.05, error5xxRate: 0.03, userEventDropRate: 0.2, wsDropRate: 0.01, listenKeyExpireRate: 0.05 };
    Object.assign(ex.faults, FAULTS);
    const targets = [0.01, 0.01, -0.02, 0, 0.03, -0.01, 0, 0, 0.02, -0.02];
    let mismatches = 0;
    try {
      for (let i = 0; i < BARS; i++) {
        const bar = T0 + i * 60_000;
        await venue.serverTimeMs().catch(() => undefined);
        const price = (await read(venue, () => venue.position("BTCUSDT"))).markPrice || 29_900;
        const target = targets[i % targets.length];
        const protection = target > 0 ? { stopPrice: price * 0.97, takeProfitPrice: price * 1.03 } : target < 0 ? { stopPrice: price * 1.03, takeProfitPrice: price * 0.97 } : undefined;
        const venueQty = (await read(venue, () => venue.position("BTCUSDT"))).qty;
        await manager.applyTarget(target, { barOpenMs: bar, refPrice: price, reason: `bar ${i}`, protection, venueQty });
        if (target === 0) await manager.cancelProtection("flat");
        await read(venue, () => manager.resync());
        const [p, journalQty] = [await read(venue, () => venue.position("BTCUSDT")), await journal.positionQty()];
        if (p.qty !== journalQty) mismatches++;
        ex.step();
      }
    } finally {
      Object.assign(ex.faults, Object.fromEntries(Object.keys(FAULTS).map((k) => [k, 0])));
    }
    await venue.serverTimeMs();
    await manager.flatten("end", T0 + BARS * 60_000, 29_900);
    const injected = ex.stats().faultsInjected;
    // every order the exchange accepted has a distinct client id the journal sent: no duplicate
    const orders = await journal.query<{ n: number; ids: number }>("SELECT count(*) AS n, count(DISTINCT client_id) AS ids FROM orders WHERE venue_order_id IS NOT NULL");
    const placed = ex.stats().ordersPlaced;
    const liveAlgos = await venue.openAlgoOrders("BTCUSDT");
    const sent = await journal.query<{ n: number }>("SELECT count(*) AS n FROM orders WHERE status NOT IN ('rejected') AND venue_order_id IS NOT NULL");
    console.log(`soak: ${BARS} bars, faults ${JSON.stringify(injected)}, orders on the exchange ${placed}, in the journal with a venue id ${sent[0].n}, position mismatches ${mismatches}, open algo orders at the end ${liveAlgos.length}, stream gaps ${gaps.length}`);
    expect(orders[0].n).toBe(orders[0].ids);
    expect(placed).toBe(sent[0].n);
    expect(mismatches).toBe(0);
    expect(liveAlgos).toEqual([]);
    expect((await venue.position("BTCUSDT")).qty).toBe(0);
    await stream.close();
    await journal.close();
  });
});
