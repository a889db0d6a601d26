// Output for humans and for cron: cli-progress bars on a terminal, plain timestamped lines otherwise.
// Everything goes to stderr so that stdout stays free for results and --json.
import chalk from "chalk";
import cliProgress from "cli-progress";
import { maskUrlsIn } from "./url.ts";

export interface Reporter {
  info(msg: string): void;
  warn(msg: string): void;
  /** Progress of a named task; a bar on a TTY, a log line per 10 % otherwise. */
  progress(task: string, done: number, total: number, detail?: string): void;
  /** The task finished: its bar is removed. */
  done(task: string): void;
}

export function createReporter(opts: { quiet?: boolean; tty?: boolean } = {}): Reporter {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  if (opts.quiet) return { info() {}, warn() {}, progress() {}, done() {} };
  return tty ? ttyReporter() : plainReporter();
}

function plainReporter(): Reporter {
  const lastStep = new Map<string, number>();
  // URLs are masked in every line (credentials, query values): logs end up in cron mail and CI output
  const line = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${maskUrlsIn(msg)}\n`);
  return {
    info: line,
    warn: (msg) => line(`warning: ${msg}`),
    progress(task, done, total, detail = "") {
      const pct = total > 0 ? Math.min(100, (100 * done) / total) : 0;
      const step = Math.floor(pct / 10);
      if (lastStep.get(task) === step) return;
      lastStep.set(task, step);
      line(`${task}: ${pct.toFixed(0)}% (${done}/${total}) ${detail}`.trimEnd());
    },
    done: (task) => void lastStep.delete(task),
  };
}

function ttyReporter(): Reporter {
  const multi = new cliProgress.MultiBar(
    { format: "{task} [{bar}] {percentage}% {value}/{total} {detail}", hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    info: (msg) => multi.log(`${maskUrlsIn(msg)}\n`),
    warn: (msg) => multi.log(`${chalk.yellow(`warning: ${maskUrlsIn(msg)}`)}\n`),
    progress(task, done, total, detail = "") {
      let bar = bars.get(task);
      if (!bar) {
        bar = multi.create(total, done, { task, detail });
        bars.set(task, bar);
      }
      bar.setTotal(total);
      bar.update(done, { task, detail });
    },
    done(task) {
      const bar = bars.get(task);
      if (bar) {
        multi.remove(bar);
        bars.delete(task);
      }
      if (bars.size === 0) multi.stop();
    },
  };
}
