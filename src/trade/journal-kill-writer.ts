// A child process for the journal's crash test: writes order lifecycles to a journal in a loop, forever,
// printing the number of completed lifecycles, until the test kills it with SIGKILL.
import { Journal } from "./journal.ts";

const [file, session, startArg] = process.argv.slice(2);
const journal = await Journal.open(file, { session, run: "r", model: "m", exchange: "local", mode: "exchange", symbol: "BTCUSDT", config: { writer: true } });
const start = Number(startArg ?? 0);
for (let i = start; ; i++) {
  const clientId = `rlt-kill00-${i.toString(36)}-o`;
  await journal.recordBar({ openTimeMs: i * 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, features: Array.from({ length: 30 }, (_, k) => k + i), spreadBps: 1.5 });
  await journal.recordDecision({ barOpenMs: i * 60_000, action: i % 3, probs: [0.2, 0.3, 0.5], targetSide: 1, targetQty: 0.01 });
  await journal.recordIntent({ clientId, kind: "order", symbol: "BTCUSDT", leg: "open", barOpenMs: i * 60_000, revision: 0, side: "BUY", type: "MARKET", qty: 0.01, triggerPrice: 0, reduceOnly: false }, "loop");
  await journal.updateOrder(clientId, { sent: true }, "send");
  await journal.updateOrder(clientId, { status: "NEW", venueOrderId: String(i) }, "ack");
  await journal.recordFill({ tradeId: `t${i}`, orderId: String(i), clientId, symbol: "BTCUSDT", side: "BUY", qty: 0.01, price: 100, commission: 0.0005, commissionAsset: "USDT", realizedPnlUsdt: 0, maker: false, timeMs: i, source: "stream" });
  await journal.updateOrder(clientId, { status: "FILLED", executedQty: 0.01, avgPrice: 100 }, "filled");
  process.stdout.write(`${i}\n`);
}
