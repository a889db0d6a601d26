// `rlt demo`: the main job on the bundled real data, offline (see src/pipeline/demo.ts).
import path from "node:path";
import type { Command } from "commander";
import { SAMPLE_DIR } from "./import.ts";
import { globalFlags, parsePositiveInt, printJson } from "./shared.ts";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("the whole offline pipeline on the bundled real BTCUSDT data: local exchange → fetch → record → features → train → eval → report")
    .option("--days <n>", "days to fetch from the local exchange", "30")
    .option("--record-seconds <n>", "seconds of replayed WebSocket capture to record (0 = skip)", "3")
    .option("--updates <n>", "PPO updates of the short training (0 = stop after the data steps)", "6")
    .option("--work-dir <dir>", "the demo's own folder, emptied on each run: the local exchange's store and (unless --data-dir) the fetched data", "runs/demo")
    .option("--json", "print the result as JSON")
    .action(async (opts: { days: string; recordSeconds: string; updates: string; workDir: string; json?: boolean }, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const { runDemo } = await import("../src/pipeline/demo.ts");
      const { formatStatus } = await import("../src/data/status.ts");
      const { formatFetch } = await import("../src/fetch/format.ts");
      const flags = globalFlags(cmd);
      const workDir = path.resolve(opts.workDir);
      const cfg = loadConfig({ ...flags, dataDir: flags.dataDir ?? path.join(workDir, "data") });
      const recordSeconds = opts.recordSeconds === "0" ? 0 : parsePositiveInt("--record-seconds", opts.recordSeconds);
      const updates = opts.updates === "0" ? 0 : parsePositiveInt("--updates", opts.updates);
      const result = await runDemo(
        cfg,
        { sampleDir: SAMPLE_DIR, workDir, days: parsePositiveInt("--days", opts.days), recordSeconds, updates },
        createReporter({ quiet: flags.quiet || opts.json }),
      );
      if (opts.json) return printJson(result);
      process.stdout.write(formatFetch(result.fetch));
      if (result.record) process.stdout.write(`recorded ${Object.entries(result.record.rowsByKind).map(([k, n]) => `${n.toLocaleString("en-US")} ${k}`).join(", ")} (${result.record.depth.applied} book diffs applied, ${result.record.depth.breaks} breaks)\n`);
      process.stdout.write(formatStatus(result.status));
      if (result.pipeline) {
        const { formatEval } = await import("../src/eval/format.ts");
        const t = result.pipeline.train;
        process.stdout.write(`\ntrained ${t.updates} updates (${t.globalStep.toLocaleString("en-US")} steps, ${t.stepsPerSecond.toFixed(0)} steps/s on ${t.backend}) → ${t.runDir}\n\n`);
        process.stdout.write(formatEval(result.pipeline.eval));
        process.stdout.write(`\nreport: ${result.pipeline.reportHtml}\n`);
        if (result.paper) {
          const { formatSessionTrades } = await import("../src/trade/output.ts");
          process.stdout.write(`\n${formatSessionTrades(result.paper.state, result.paper.trades, result.paper.sessionDir)}`);
        }
      }
    });
}
