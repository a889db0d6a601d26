// rlt configuration: defaults < rlt.yaml < environment < flags, validated by one zod schema per subsystem.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError } from "./errors.ts";

/** Where an exchange lives. `ws` is the root: routes `/public`, `/market`, `/private` are appended. */
export const EndpointSchema = z.object({
  rest: z.string().url(),
  ws: z.string().url(),
  /** data.binance.vision-style bulk files. */
  vision: z.string().url(),
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

export const RecordConfigSchema = z.object({
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

export const FetchConfigSchema = z.object({
  /** Fraction of the exchange's REQUEST_WEIGHT per minute rlt allows itself. */
  weightBudget: z.number().gt(0).max(1).default(0.8),
  maxRetries: z.number().int().min(0).default(8),
});

export const ConfigSchema = z.object({
  dataDir: z.string().min(1).default("./data"),
  exchange: ExchangeName.default("mainnet"),
  endpoints: z
    .object({ mainnet: EndpointSchema, demo: EndpointSchema, local: EndpointSchema })
    .partial()
    .default({}),
  fetch: FetchConfigSchema.default(FetchConfigSchema.parse({})),
  record: RecordConfigSchema.default(RecordConfigSchema.parse({})),
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
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `  ${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("\n");
}

function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, "utf8")) ?? {};
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export function loadConfig(flags: GlobalFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ResolvedConfig {
  const file = flags.config ?? env.RLT_CONFIG ?? (existsSync(path.join(cwd, "rlt.yaml")) ? path.join(cwd, "rlt.yaml") : undefined);
  if (flags.config && !existsSync(flags.config)) {
    throw new ConfigError(`config file not found: ${flags.config}`, { hint: "pass an existing file to --config" });
  }
  const raw = (file ? readYaml(file) : {}) as Record<string, unknown>;
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid config in ${file}:\n${formatIssues(parsed.error.issues)}`);
  }
  const cfg = parsed.data;
  // environment, then flags
  const exchange = flags.exchange ?? env.RLT_EXCHANGE ?? cfg.exchange;
  const ex = ExchangeName.safeParse(exchange);
  if (!ex.success) {
    throw new ConfigError(`exchange: "${exchange}" is not one of mainnet, demo, local`, { hint: "use --exchange mainnet|demo|local or RLT_EXCHANGE" });
  }
  const base = { ...DEFAULT_ENDPOINTS[ex.data], ...cfg.endpoints[ex.data] };
  const endpoint = EndpointSchema.safeParse({
    rest: flags.restUrl ?? env.RLT_REST_URL ?? base.rest,
    ws: flags.wsUrl ?? env.RLT_WS_URL ?? base.ws,
    vision: flags.visionUrl ?? env.RLT_VISION_URL ?? base.vision,
  });
  if (!endpoint.success) {
    throw new ConfigError(`invalid endpoint URL (from --rest-url/--ws-url/--vision-url, RLT_*_URL or the config file):\n${formatIssues(endpoint.error.issues)}`);
  }
  const dataDir = flags.dataDir ?? env.RLT_DATA_DIR ?? cfg.dataDir;
  return {
    ...cfg,
    exchange: ex.data,
    dataDir,
    dataDirAbs: path.resolve(cwd, dataDir),
    endpoint: {
      rest: endpoint.data.rest.replace(/\/+$/, ""),
      ws: endpoint.data.ws.replace(/\/+$/, ""),
      vision: endpoint.data.vision.replace(/\/+$/, ""),
    },
  };
}
