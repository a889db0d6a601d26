// rlt configuration: defaults < rlt.yaml < environment < flags, validated by one zod schema per subsystem.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { envValue } from "./env.ts";
import { MonitorConfigSchema } from "./monitor-config.ts";
import { ConfigError } from "./errors.ts";
import { closest } from "./suggest.ts";
import { type UrlKind, baseUrlProblem, maskUrl } from "./url.ts";

/** A base URL that can work (see baseUrlProblem); the message shows it masked. */
function baseUrl(kind: UrlKind) {
  return z.string().superRefine((v, ctx) => {
    const problem = baseUrlProblem(v, kind);
    if (problem) ctx.addIssue({ code: "custom", message: `"${maskUrl(v)}": ${problem}` });
  });
}

/** Where an exchange lives. `ws` is the root: routes `/public`, `/market`, `/private` are appended. */
export const EndpointSchema = z.strictObject({
  rest: baseUrl("http"),
  ws: baseUrl("ws"),
  /** data.binance.vision-style bulk files. */
  vision: baseUrl("http"),
});
export type Endpoint = z.infer<typeof EndpointSchema>;

export const DEFAULT_ENDPOINTS = {
  // https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info
  mainnet: { rest: "https://fapi.binance.com", ws: "wss://fstream.binance.com", vision: "https://data.binance.vision" },
  // Binance Demo Trading replaced the futures testnet; keys come from demo.binance.com.
  demo: { rest: "https://demo-fapi.binance.com", ws: "wss://demo-fstream.binance.com", vision: "https://data.binance.vision" },
  // `rlt exchange` on this machine.
  local: { rest: "http://127.0.0.1:8765", ws: "ws://127.0.0.1:8765", vision: "http://127.0.0.1:8765" },
} satisfies Record<string, Endpoint>;

export const ExchangeName = z.enum(["mainnet", "demo", "local"]);

export const RecordConfigSchema = z.strictObject({
  /** Levels per side in the periodic book snapshots. */
  topN: z.number().int().min(1).max(1000).default(20),
  snapshotIntervalMs: z.number().int().min(100).default(1000),
  /** A new Parquet part file is started this often. */
  rollIntervalMs: z.number().int().min(1000).default(15 * 60_000),
  /** Received rows are appended to a log and fsync'ed this often: a killed recorder loses at most this much. */
  flushIntervalMs: z.number().int().min(100).default(2000),
  /** Reconnect before Binance's 24 h connection limit. */
  maxConnectionMs: z.number().int().min(1000).default(23 * 3_600_000),
  depthSpeed: z.enum(["0ms", "100ms", "250ms", "500ms"]).default("100ms"),
});

export const FetchConfigSchema = z.strictObject({
  /** Fraction of the exchange's REQUEST_WEIGHT per minute rlt allows itself. */
  weightBudget: z.number().gt(0).max(1).default(0.8),
  maxRetries: z.number().int().min(0).default(8),
});

export const TradeConfigSchema = z.strictObject({
  /** Real orders on Binance mainnet need this and the --mainnet flag: one alone is refused. */
  allowMainnet: z.boolean().default(false),
  /** A file with the API key and secret (two lines, or JSON {apiKey, apiSecret}); without one, RLT_API_KEY / RLT_API_SECRET. */
  keyFile: z.string().min(1).optional(),
});

export const ConfigSchema = z.strictObject({
  dataDir: z.string().min(1).default("./data"),
  exchange: ExchangeName.default("mainnet"),
  endpoints: z
    // an entry overrides only the URLs it names; the others keep the exchange's defaults
    .strictObject({ mainnet: EndpointSchema.partial(), demo: EndpointSchema.partial(), local: EndpointSchema.partial() })
    .partial()
    .default({}),
  fetch: FetchConfigSchema.default(FetchConfigSchema.parse({})),
  record: RecordConfigSchema.default(RecordConfigSchema.parse({})),
  trade: TradeConfigSchema.default(TradeConfigSchema.parse({})),
  monitor: MonitorConfigSchema.default(MonitorConfigSchema.parse({})),
});
export type Config = z.infer<typeof ConfigSchema>;

export interface ResolvedConfig extends Config {
  /** The endpoint of `exchange`, after overrides. */
  endpoint: Endpoint;
  /** Absolute data directory. */
  dataDirAbs: string;
}

/** Flags every command shares. */
export interface GlobalFlags {
  config?: string;
  dataDir?: string;
  exchange?: string;
  restUrl?: string;
  wsUrl?: string;
  visionUrl?: string;
}

/** Render zod issues as "field.path: message" lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], schema?: z.ZodType): string {
  return issues.flatMap((i) => issueLines(i, schema)).join("\n");
}

function issueLines(issue: z.core.$ZodIssue, schema: z.ZodType | undefined): string[] {
  const at = issue.path.map(String);
  if (issue.code !== "unrecognized_keys") return [`  ${at.length ? at.join(".") : "(root)"}: ${issue.message}`];
  // one line per unknown key, with the closest valid key at the same level when one is near
  const valid = schema ? keysAt(schema, at) : [];
  return issue.keys.map((key) => {
    const suggestion = closest(key, valid);
    const advice = suggestion ? `; did you mean ${[...at, suggestion].join(".")}?` : valid.length ? ` (valid here: ${valid.join(", ")})` : "";
    return `  ${[...at, key].join(".")}: unknown key${advice}`;
  });
}

/** The keys an object schema accepts at `at` (a path of keys and array indices), [] when not an object. */
function keysAt(schema: z.ZodType, at: readonly string[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  for (const step of at) {
    node = unwrap(node);
    const def = node?._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; valueType?: z.core.$ZodType } | undefined;
    node = def?.type === "object" ? def.shape?.[step] : def?.type === "array" ? def.element : def?.type === "record" ? def.valueType : undefined;
  }
  const def = unwrap(node)?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** Through defaults, optionals and pipes to the schema that checks the value. */
function unwrap(node: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  for (let depth = 0; node && depth < 20; depth++) {
    const def = node._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if (def.innerType) node = def.innerType;
    else if (def.type === "pipe" && def.in) node = def.in;
    else return node;
  }
  return node;
}

function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, "utf8")) ?? {};
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

const EXCHANGE_NAMES = ExchangeName.options;
const URL_FIELDS = [
  { field: "rest", kind: "http", flag: "--rest-url", envName: "RLT_REST_URL" },
  { field: "ws", kind: "ws", flag: "--ws-url", envName: "RLT_WS_URL" },
  { field: "vision", kind: "http", flag: "--vision-url", envName: "RLT_VISION_URL" },
] as const;

export function loadConfig(flags: GlobalFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ResolvedConfig {
  // RLT_CONFIG set but empty means "no config file", not even ./rlt.yaml: a way to run with the defaults
  const envConfig = env.RLT_CONFIG;
  if (flags.config !== undefined && flags.config.trim() === "") throw new ConfigError("--config is empty", { hint: "name a config file, or leave out --config" });
  const chosen = flags.config ?? envConfig ?? (existsSync(path.join(cwd, "rlt.yaml")) ? path.join(cwd, "rlt.yaml") : undefined);
  const file = chosen === "" ? undefined : chosen;
  if (file !== undefined && !existsSync(path.resolve(cwd, file))) {
    const from = flags.config !== undefined ? "--config" : "RLT_CONFIG";
    throw new ConfigError(`config file not found: ${file} (from ${from})`, { hint: `pass an existing file to ${from}` });
  }
  const raw = file ? readYaml(path.resolve(cwd, file)) : {};
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid config ${file}:\n${formatIssues(parsed.error.issues, ConfigSchema)}`, { hint: "see configs/rlt.example.yaml for every key and its default" });
  }
  const cfg = parsed.data;
  // environment, then flags; each value's source is named when it is refused
  const exchange = pick([flags.exchange, "--exchange"], [envValue("RLT_EXCHANGE", env), "RLT_EXCHANGE"], [cfg.exchange, fileField("exchange", file)]);
  const ex = ExchangeName.safeParse(exchange.value);
  if (!ex.success) {
    const near = closest(String(exchange.value), EXCHANGE_NAMES);
    throw new ConfigError(`${exchange.source}: "${exchange.value}" is not one of ${EXCHANGE_NAMES.join(", ")}${near ? `; did you mean ${near}?` : ""}`, { hint: "use --exchange mainnet|demo|local or RLT_EXCHANGE" });
  }
  const fromFile = cfg.endpoints[ex.data] ?? {};
  const endpoint = {} as Endpoint;
  const problems: string[] = [];
  for (const { field, kind, flag, envName } of URL_FIELDS) {
    const chosen = pick([flags[`${field}Url`], flag], [envValue(envName, env), envName], [fromFile[field], fileField(`endpoints.${ex.data}.${field}`, file)], [DEFAULT_ENDPOINTS[ex.data][field], "the default"]);
    const url = chosen.value ?? "";
    const problem = baseUrlProblem(url, kind);
    if (problem) problems.push(`  ${chosen.source}: "${maskUrl(url)}": ${problem}`);
    endpoint[field] = url.replace(/\/+$/, "");
  }
  if (problems.length) throw new ConfigError(`invalid endpoint URL:\n${problems.join("\n")}`, { hint: "REST and bulk-data URLs are http(s)://host[:port][/path], the WebSocket root ws(s)://host[:port][/path]" });
  const dataDir = pick([flags.dataDir, "--data-dir"], [envValue("RLT_DATA_DIR", env), "RLT_DATA_DIR"], [cfg.dataDir, fileField("dataDir", file)]);
  if (dataDir.value === undefined || dataDir.value.trim() === "") throw new ConfigError(`${dataDir.source} is empty`, { hint: "name a data directory, e.g. --data-dir ./data" });
  return { ...cfg, exchange: ex.data, dataDir: dataDir.value, dataDirAbs: path.resolve(cwd, dataDir.value), endpoint };
}

function fileField(key: string, file: string | undefined): string {
  return file ? `${key} in ${file}` : `the default ${key}`;
}

/** The first defined value, with where it came from (a flag, a variable, the file). */
function pick<T>(...candidates: [T | undefined, string][]): { value: T | undefined; source: string } {
  for (const [value, source] of candidates) if (value !== undefined) return { value, source };
  const last = candidates[candidates.length - 1];
  return { value: undefined, source: last[1] };
}
