// Output for humans and for cron: progress bars on a terminal, plain timestamped lines otherwise.
import chalk from "chalk";

export interface Reporter {
  info(msg: string): void;
  warn(msg: string): void;
  /** Progress of a named task; rendered as a bar on a TTY, as occasional log lines otherwise. */
  progress(task: string, done: number, total: number, detail?: string): void;
  done(task: string): void;
}

/** Plain lines to stderr; stdout stays free for results and --json. */
export function createReporter(opts: { quiet?: boolean; tty?: boolean } = {}): Reporter {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  const lastLogged = new Map<string, number>();
  let barLine = false;
  const clearBar = () => {
    if (barLine) {
      process.stderr.write("\r\x1b[2K");
      barLine = false;
    }
  };
  const line = (msg: string) => {
    if (opts.quiet) return;
    clearBar();
    process.stderr.write(tty ? `${msg}\n` : `${new Date().toISOString()} ${msg}\n`);
  };
  return {
    info: (msg) => line(msg),
    warn: (msg) => line(tty ? chalk.yellow(`warning: ${msg}`) : `warning: ${msg}`),
    progress(task, done, total, detail = "") {
      if (opts.quiet) return;
      const pct = total > 0 ? Math.min(100, (100 * done) / total) : 0;
      if (tty) {
        const width = 30;
        const filled = Math.round((pct / 100) * width);
        process.stderr.write(`\r\x1b[2K${task} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${pct.toFixed(0)}% ${detail}`);
        barLine = true;
      } else {
        // cron-friendly: one line per 10 % step
        const step = Math.floor(pct / 10);
        if (lastLogged.get(task) !== step) {
          lastLogged.set(task, step);
          line(`${task}: ${pct.toFixed(0)}% (${done}/${total}) ${detail}`.trimEnd());
        }
      }
    },
    done(task) {
      clearBar();
      lastLogged.delete(task);
    },
  };
}
