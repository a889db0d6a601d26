// `rlt tune --config tune.yaml`: a search over training parameters and reward weights, its trials on
// a local pool of processes or a BullMQ queue (`--queue redis://…`, trials run by `rlt worker`).
import type { Command } from "commander";

export function registerTune(program: Command): void {
  // the child process of one trial (src/tune/child.ts): not for users, so not in the help
  program
    .command("tune-trial", { hidden: true })
    .description("run one trial sent over the IPC channel (started by rlt tune and rlt worker)")
    .action(async () => {
      const { serveTrialRequest } = await import("../src/tune/child.ts");
      await serveTrialRequest();
    });
}
