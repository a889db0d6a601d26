// `rlt report --run runs/<name>`: the evaluation as one offline HTML page plus SVG charts.
// `rlt report --session <session> --run runs/<name>`: a trading session beside its backtest over the same bars.
// `rlt report --tune tunes/<name>`: a tune's trials (objective per trial, importance, best trials on test).
import path from "node:path";
import type { Command } from "commander";
import { globalFlags } from "./shared.ts";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("write a self-contained HTML report (and SVG charts) of a run's evaluation, of a trading session against its backtest, or of a tune's trials")
    .option("--run <dir>", "run directory (runs/<name>)")
    .option("--eval <label>", "which evaluation of the run (eval/<label>/)", "test")
    .option("--session <session>", "a trading session of the run (or its folder runs/<name>/sessions/<session>): live vs the backtest over the same bars")
    .option("--data-dir <dir>", "with --session: the store whose funding rates the backtest charges (default: the run's dataDir)")
    .option("--tune <dir>", "a tune's folder (tunes/<name>): its trials as tunes/<name>/report.html")
    .action(async (opts: { run?: string; eval: string; session?: string; dataDir?: string; tune?: string }, cmd: Command) => {
      const { createReporter } = await import("../src/core/log.ts");
      const reporter = createReporter({ quiet: globalFlags(cmd).quiet });
      if (opts.tune !== undefined) {
        const { UsageError } = await import("../src/core/errors.ts");
        if (opts.run || opts.session) throw new UsageError("rlt report --tune reports a tune alone", { hint: "drop --run / --session, or report a trial's run with rlt report --run" });
        const { writeTuneReport } = await import("../src/tune/report-data.ts");
        const out = writeTuneReport(path.resolve(opts.tune));
        process.stdout.write(`report: ${out.html}\ntrials: ${out.trials}\n`);
        return;
      }
      if (opts.session) {
        const { buildSessionReport } = await import("../src/report/session-report.ts");
        const out = await buildSessionReport({ session: opts.session, runDir: opts.run, dataDir: opts.dataDir && path.resolve(opts.dataDir) });
        const { explain } = await import("../src/report/session-compare.ts");
        process.stdout.write(`report: ${out.html}\ncharts: ${out.charts.map((c) => path.basename(c)).join(", ")} in ${path.dirname(out.charts[0])}\n${explain(out.difference, out.bars)}\n`);
        return;
      }
      const { UsageError } = await import("../src/core/errors.ts");
      if (!opts.run) throw new UsageError("rlt report needs --run runs/<name> (and --session <session> for a trading session), or --tune tunes/<name>");
      const { refuseRunGroup } = await import("../src/rl/run-group.ts");
      refuseRunGroup(path.resolve(opts.run), "rlt report --run reports one agent's evaluation (rlt eval --run of the group prints the group's table)");
      const { buildReport } = await import("../src/report/build.ts");
      const out = await buildReport(path.resolve(opts.run), opts.eval, { onWait: (m) => reporter.warn(m) });
      process.stdout.write(`report: ${out.html}\ncharts: ${out.charts.map((c) => path.basename(c)).join(", ")} in ${path.dirname(out.charts[0])}\n`);
    });
}
