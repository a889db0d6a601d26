// `rlt exchange`: run the local Binance-compatible exchange over a data directory until Ctrl-C.
import type { Command } from "commander";
import { globalFlags, parsePort, parsePositiveInt, parseTimeFlag } from "./shared.ts";

interface ExchangeFlags {
  port: string;
  host: string;
  replay?: string;
  capture?: string[];
  speed: string;
  replayFrom?: string;
  apiKey?: string;
  apiSecret?: string;
  balance?: string;
  delayMs?: string;
  errorRate?: string;
  weightLimit?: string;
  dropWsAfter?: string;
}

export function registerExchange(program: Command): void {
  program
    .command("exchange")
    .description("run a local Binance USD-M compatible exchange (REST, routed WebSocket, bulk files) over stored data")
    .option("--replay <dir>", "data directory to serve (default: --data-dir)")
    .option("--port <n>", "port", "8765")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--capture <file...>", "raw WebSocket capture(s) to replay as depth/bookTicker/trade streams and depth snapshots")
    .option("--speed <x>", "with --replay-from: bars per second of the replay clock; else the replay speed of captures and stored bars (1 = real time)", "1")
    .option("--replay-from <time>", "one replay clock for the whole server from this time (YYYY-MM-DD[THH:MM] UTC or epoch ms): REST times, signatures, matching, funding and kline/markPrice streams follow it")
    .option("--api-key <key>", "API key the exchange accepts (env RLT_API_KEY; default: a generated test pair, printed)")
    .option("--api-secret <secret>", "its secret (env RLT_API_SECRET)")
    .option("--balance <usdt>", "starting wallet balance, USDT", "10000")
    .option("--delay-ms <n>", "fault: extra latency per REST request")
    .option("--error-rate <f>", "fault: fraction of REST requests answered 503")
    .option("--weight-limit <n>", "REQUEST_WEIGHT per minute before 429 (Binance: 2400)")
    .option("--drop-ws-after <n>", "fault: drop each WebSocket after this many messages")
    .action(async (opts: ExchangeFlags, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { startExchange } = await import("../src/exchange/server.ts");
      const { UsageError } = await import("../src/core/errors.ts");
      const cfg = loadConfig(globalFlags(cmd));
      const speed = Number(opts.speed);
      if (!(speed > 0)) throw new UsageError(`--speed: "${opts.speed}" is not a positive number`);
      const errorRate = opts.errorRate !== undefined ? Number(opts.errorRate) : 0;
      if (!(errorRate >= 0 && errorRate <= 1)) throw new UsageError(`--error-rate: "${opts.errorRate}" is not between 0 and 1`);
      const replayFromMs = parseTimeFlag("--replay-from", opts.replayFrom);
      const balanceUsdt = Number(opts.balance);
      if (!(balanceUsdt > 0)) throw new UsageError(`--balance: "${opts.balance}" is not a positive number`);
      const { envValue } = await import("../src/core/env.ts");
      const apiKey = opts.apiKey ?? envValue("RLT_API_KEY");
      const apiSecret = opts.apiSecret ?? envValue("RLT_API_SECRET");
      if ((apiKey === undefined) !== (apiSecret === undefined)) {
        throw new UsageError("an API key needs its secret (and a secret its key)", { hint: "pass both --api-key and --api-secret, or set both RLT_API_KEY and RLT_API_SECRET" });
      }
      const streams = [];
      for (const file of opts.capture ?? []) {
        const { createCaptureSource } = await import("../src/exchange/capture-source.ts");
        streams.push(await createCaptureSource(file, { speed, loop: true }));
      }
      const ex = await startExchange({
        dataDir: opts.replay ?? cfg.dataDirAbs,
        host: opts.host,
        port: parsePort("--port", opts.port),
        streams,
        klineReplay: { barsPerSecond: Math.max(1, speed) },
        ...(replayFromMs !== undefined ? { replay: { fromMs: replayFromMs, barsPerSecond: speed } } : {}),
        trading: { balanceUsdt, ...(apiKey && apiSecret ? { keys: [{ apiKey, apiSecret }] } : {}) },
        faults: {
          delayMs: opts.delayMs ? parsePositiveInt("--delay-ms", opts.delayMs) : 0,
          error5xxRate: errorRate,
          ...(opts.weightLimit ? { weightLimitPerMinute: parsePositiveInt("--weight-limit", opts.weightLimit) } : {}),
          dropWsAfterMessages: opts.dropWsAfter ? parsePositiveInt("--drop-ws-after", opts.dropWsAfter) : 0,
        },
      });
      // a generated pair is a throwaway for this process: printing it is how the user learns it
      const keyLine = apiKey
        ? "accepts the API key from --api-key / RLT_API_KEY\n"
        : `test API key pair (valid until this process ends): RLT_API_KEY=${ex.apiKeys[0].apiKey} RLT_API_SECRET=${ex.apiKeys[0].apiSecret}\n`;
      const clockLine = replayFromMs !== undefined ? `replay clock from ${new Date(replayFromMs).toISOString()} at ${speed} bars/s\n` : "";
      process.stdout.write(
        `local exchange on ${ex.restUrl} (WebSocket ${ex.wsUrl}/public, ${ex.wsUrl}/market, ${ex.wsUrl}/private)\n` +
          clockLine +
          keyLine +
          `point rlt at it: --exchange local --rest-url ${ex.restUrl} --ws-url ${ex.wsUrl} --vision-url ${ex.restUrl}\n` +
          "Ctrl-C stops it\n",
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await ex.close();
    });
}
