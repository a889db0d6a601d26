// The error hierarchy and its exit codes, in one place. Commands throw these; only bin/rlt.js exits.

/** Exit codes the CLI maps errors to. */
export const EXIT = {
  ok: 0,
  operational: 1, // something failed at run time (I/O, exchange refused, data invalid)
  usage: 2, // the user must fix the command line or config
  temporary: 75, // EX_TEMPFAIL: retrying later may succeed
  internal: 70, // EX_SOFTWARE: a bug in rlt
} as const;

export class RltError extends Error {
  readonly exitCode: number = EXIT.operational;
  /** What the user can do about it, printed under the message. */
  readonly hint?: string;
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.hint = opts.hint;
  }
}

/** Bad flags, config or arguments: a human must act. */
export class UsageError extends RltError {
  override readonly exitCode: number = EXIT.usage;
}

/** Config file / environment validation failure; the message carries the field path. */
export class ConfigError extends UsageError {}

/** Bad data: a malformed row, a checksum mismatch, an inconsistent artifact. */
export class DataError extends RltError {}

/** The exchange or the network failed in a way a retry may fix (429, 5xx, timeouts). */
export class TemporaryError extends RltError {
  override readonly exitCode: number = EXIT.temporary;
  /** Server-suggested wait before retrying, when known. */
  readonly retryAfterMs?: number;
  constructor(message: string, opts: { hint?: string; cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, opts);
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The exchange refused the request for good (unknown symbol, bad parameter, banned). */
export class ExchangeError extends RltError {
  readonly code?: number;
  constructor(message: string, opts: { hint?: string; cause?: unknown; code?: number } = {}) {
    super(message, opts);
    this.code = opts.code;
  }
}

export class InternalError extends RltError {
  override readonly exitCode: number = EXIT.internal;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof RltError ? err.exitCode : EXIT.internal;
}
