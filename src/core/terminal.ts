// Whether the interactive terminal UI can run here. ink draws nothing but the last frame when the
// environment says CI (its is-in-ci rule: CI or CONTINUOUS_INTEGRATION set and not "0" or "false"),
// so on a CI runner, even one with a pseudo-terminal, plain lines are the only output a user would see.

export const NOT_A_TERMINAL = "not a terminal";

/** Why the interactive UI is off on this terminal, or undefined when it can run. */
export function interactiveUiBlocked(env: NodeJS.ProcessEnv = process.env, stdoutTty = Boolean(process.stdout.isTTY), stdinTty = Boolean(process.stdin.isTTY)): string | undefined {
  if (!stdoutTty || !stdinTty) return NOT_A_TERMINAL;
  const ci = (["CI", "CONTINUOUS_INTEGRATION"] as const).find((k) => k in env && env[k] !== "0" && env[k] !== "false");
  if (ci) return `${ci} is set (the terminal UI only draws its last frame under CI): plain lines instead; unset ${ci} for the UI`;
  return undefined;
}
