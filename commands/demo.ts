// `rlt demo`: the main job on the bundled real data, offline (see src/pipeline/demo.ts).
import path from "node:path";
import type { Command } from "commander";
import { SAMPLE_DIR } from "./import.ts";
import { globalFlags, parsePositiveInt, printJson } from "./shared.ts";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("offline rehearsal on the bundled real BTCUSDT data: local exchange → fetch → record → data status")
    .option("--days <n>", "days to fetch from the local exchange", "30")
    .option("--record-seconds <n>", "seconds of replayed WebSocket capture to record (0 = skip)", "3")
    .option("--work-dir <dir>", "the demo's own folder, emptied on each run: the local exchange's store and (unless --data-dir) the fetched data", "runs/demo")
    .option("--json", "print the result as JSON")
    .action(async (opts: { days: string; recordSeconds: string; workDir: string; json?: boolean }, cmd: Command) => {
      const { loadConfig } = await import("../src/core/config.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const { runDemo } = await import("../src/pipeline/demo.ts");
      const { formatStatus } = await import("../src/data/status.ts");
      const { formatFetch } = await import("../src/fetch/format.ts");
      const flags = globalFlags(cmd);
      const workDir = path.resolve(opts.workDir);
      const cfg = loadConfig({ ...flags, dataDir: flags.dataDir ?? path.join(workDir, "data") });
      const recordSeconds = opts.recordSeconds === "0" ? 0 : parsePositiveInt("--record-seconds", opts.recordSeconds);
      const result = await runDemo(
        cfg,
        { sampleDir: SAMPLE_DIR, workDir, days: parsePositiveInt("--days", opts.days), recordSeconds },
        createReporter({ quiet: flags.quiet || opts.json }),
      );
      if (opts.json) return printJson(result);
      process.stdout.write(formatFetch(result.fetch));
      if (result.record) process.stdout.write(`recorded ${Object.entries(result.record.rowsByKind).map(([k, n]) => `${n.toLocaleString("en-US")} ${k}`).join(", ")} (${result.record.depth.applied} book diffs applied, ${result.record.depth.breaks} breaks)\n`);
      process.stdout.write(formatStatus(result.status));
    });
}
