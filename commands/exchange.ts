// `rlt exchange`: run the local Binance-compatible exchange over a data directory until Ctrl-C.
import type { Command } from "commander";
import { globalFlags, parsePort, parsePositiveInt } from "./shared.ts";

interface ExchangeFlags {
  port: string;
  host: string;
  replay?: string;
  capture?: string[];
  speed: string;
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
    .option("--speed <x>", "replay speed of captures and stored bars (1 = real time)", "1")
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
        faults: {
          delayMs: opts.delayMs ? parsePositiveInt("--delay-ms", opts.delayMs) : 0,
          error5xxRate: errorRate,
          ...(opts.weightLimit ? { weightLimitPerMinute: parsePositiveInt("--weight-limit", opts.weightLimit) } : {}),
          dropWsAfterMessages: opts.dropWsAfter ? parsePositiveInt("--drop-ws-after", opts.dropWsAfter) : 0,
        },
      });
      process.stdout.write(
        `local exchange on ${ex.restUrl} (WebSocket ${ex.wsUrl}/public, ${ex.wsUrl}/market)\n` +
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
