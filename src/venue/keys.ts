// API keys: read from RLT_API_KEY / RLT_API_SECRET or a key file, and kept out of every line rlt
// writes. Every secret read is registered here, and redactSecrets() (used by errors, the journal and
// the output) replaces each with ***.
import { readFileSync } from "node:fs";
import { UsageError } from "../core/errors.ts";

export interface ApiKeys {
  apiKey: string;
  apiSecret: string;
}

const MASK = "***";
/** Shorter strings are not registered: masking "ab" everywhere would mangle output, and no key is that short. */
const MIN_SECRET_LENGTH = 8;
const secrets = new Set<string>();

/** Remember a secret so that redactSecrets() masks it wherever it shows up. */
export function registerSecret(value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** `text` with every registered secret replaced by ***. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

/** "abcd…wxyz"-style hint of which key is in use without revealing it: the last 4 characters only. */
export function keyHint(apiKey: string): string {
  return apiKey.length > 8 ? `…${apiKey.slice(-4)}` : MASK;
}

/**
 * Keys from `--key-file` (two lines: key then secret, or JSON {"apiKey","apiSecret"}) when given,
 * else from RLT_API_KEY and RLT_API_SECRET. Undefined when neither is set (paper trading needs none).
 */
export function loadKeys(opts: { keyFile?: string; env?: NodeJS.ProcessEnv } = {}): ApiKeys | undefined {
  const env = opts.env ?? process.env;
  let keys: ApiKeys | undefined;
  if (opts.keyFile) keys = readKeyFile(opts.keyFile);
  else if (env.RLT_API_KEY || env.RLT_API_SECRET) {
    if (!env.RLT_API_KEY || !env.RLT_API_SECRET) {
      throw new UsageError(`${env.RLT_API_KEY ? "RLT_API_SECRET" : "RLT_API_KEY"} is not set but ${env.RLT_API_KEY ? "RLT_API_KEY" : "RLT_API_SECRET"} is`, {
        hint: "set both RLT_API_KEY and RLT_API_SECRET, or pass --key-file",
      });
    }
    keys = { apiKey: env.RLT_API_KEY.trim(), apiSecret: env.RLT_API_SECRET.trim() };
  }
  if (keys) {
    registerSecret(keys.apiKey);
    registerSecret(keys.apiSecret);
  }
  return keys;
}

function readKeyFile(file: string): ApiKeys {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read the key file ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`, { hint: "pass a readable file with the API key on the first line and the secret on the second" });
  }
  const bad = () => new UsageError(`the key file ${file} holds neither two lines (key, secret) nor JSON {"apiKey","apiSecret"}`);
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let json: { apiKey?: unknown; apiSecret?: unknown };
    try {
      json = JSON.parse(trimmed);
    } catch {
      throw bad(); // never echo the parser's message: it quotes the file's content
    }
    if (typeof json.apiKey !== "string" || typeof json.apiSecret !== "string" || !json.apiKey || !json.apiSecret) throw bad();
    return { apiKey: json.apiKey.trim(), apiSecret: json.apiSecret.trim() };
  }
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length !== 2) throw bad();
  return { apiKey: lines[0], apiSecret: lines[1] };
}
