// `rlt report --run runs/<name>`: the evaluation as one offline HTML page plus SVG charts.
import path from "node:path";
import type { Command } from "commander";
import { globalFlags } from "./shared.ts";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("write a self-contained HTML report (and SVG charts) of a run's evaluation")
    .requiredOption("--run <dir>", "run directory (runs/<name>)")
    .option("--eval <label>", "which evaluation of the run (eval/<label>/)", "test")
    .action(async (opts: { run: string; eval: string }, cmd: Command) => {
      const { buildReport } = await import("../src/report/build.ts");
      const { createReporter } = await import("../src/core/log.ts");
      const reporter = createReporter({ quiet: globalFlags(cmd).quiet });
      const out = await buildReport(path.resolve(opts.run), opts.eval, { onWait: (m) => reporter.warn(m) });
      process.stdout.write(`report: ${out.html}\ncharts: ${out.charts.map((c) => path.basename(c)).join(", ")} in ${path.dirname(out.charts[0])}\n`);
    });
}
