// Reading rlt's environment variables: a variable that is set must say something. An empty value or one
// outside the accepted set is refused naming the variable, never read as "the default".
import { ConfigError } from "./errors.ts";

/** The value of `name`, undefined when unset; a set-but-empty (or blank) value is a ConfigError. */
export function envValue(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  if (raw.trim() === "") throw new ConfigError(`${name} is set but empty`, { hint: `give it a value or unset it (unset ${name})` });
  return raw;
}

/** The value of `name` when it is one of `accepted`, undefined when unset. */
export function envChoice<T extends string>(name: string, accepted: readonly T[], env: NodeJS.ProcessEnv = process.env): T | undefined {
  const raw = envValue(name, env);
  if (raw === undefined) return undefined;
  if (!(accepted as readonly string[]).includes(raw)) throw new ConfigError(`${name}: "${raw}" is not one of ${accepted.join(", ")}`, { hint: `set ${name} to one of ${accepted.join(", ")}, or unset it` });
  return raw as T;
}

/** A non-negative integer from `name` (milliseconds, counts), undefined when unset. */
export function envNonNegativeInt(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = envValue(name, env);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${name}: "${raw}" is not a non-negative integer`, { hint: `e.g. ${name}=120000, or unset it` });
  return n;
}
