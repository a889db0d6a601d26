// The `monitor:` section of rlt.yaml: what a trading session alerts on, where alerts go, and how drift
// is measured. Machine settings, not the run's: the same run can be watched with other thresholds.
import { z } from "zod";

export const AlertThresholdsSchema = z.strictObject({
  /** Drawdown from the session's peak equity (fraction). */
  drawdown: z.number().gt(0).lt(1).default(0.05),
  /** Margin held over equity (fraction). */
  marginRatio: z.number().gt(0).max(1).default(0.8),
  /** Mark price within this fraction of the liquidation price. */
  liquidationNear: z.number().gt(0).lt(1).default(0.02),
  /** Losing trades in a row. */
  losingStreak: z.number().int().min(2).default(5),
  /** A stream with no event for this long (s). */
  streamSilentSec: z.number().gt(0).default(90),
  /** This many reconnects of one stream within reconnectWindowSec. */
  reconnects: z.number().int().min(2).default(3),
  reconnectWindowSec: z.number().gt(0).default(600),
  /** This many REST errors within restErrorWindowSec. */
  restErrors: z.number().int().min(1).default(5),
  restErrorWindowSec: z.number().gt(0).default(300),
  /** |exchange clock - local clock| past this (ms). */
  clockOffsetMs: z.number().gt(0).default(1000),
  /** Cumulative return outside the backtest's block-bootstrap band (two-sided, e.g. 0.05 → 5–95 %). */
  performanceTail: z.number().gt(0).lt(0.5).default(0.05),
  /** Bars before the performance band is checked: over a handful of bars every return is "typical". */
  performanceMinBars: z.number().int().min(2).default(30),
});

export const WebhookSchema = z.strictObject({
  url: z.string().superRefine((v, ctx) => {
    let u: URL | undefined;
    try {
      u = new URL(v);
    } catch {
      // fall through
    }
    if (!u || (u.protocol !== "http:" && u.protocol !== "https:")) ctx.addIssue({ code: "custom", message: `"${v.replace(/\?.*/, "?…")}" is not an http(s) URL: alerts are sent as a JSON POST` });
  }),
  /** The payload shape: Slack (incoming webhook), Discord (webhook), Telegram (bot API sendMessage), or rlt's own JSON. */
  format: z.enum(["slack", "discord", "telegram", "json"]).default("json"),
  /** Telegram needs the chat to send to. */
  chatId: z.union([z.string(), z.number()]).optional(),
  /** Alerts below this level are not sent (they are still shown and journaled). */
  minLevel: z.enum(["info", "warning", "critical"]).default("warning"),
  timeoutMs: z.number().int().min(100).default(5000),
}).superRefine((w, ctx) => {
  // Telegram's sendMessage refuses a message without its chat: say so at load, not at the first alert
  if (w.format === "telegram" && w.chatId === undefined) ctx.addIssue({ code: "custom", path: ["chatId"], message: "format telegram needs the chat to send to (chatId: the bot's chat id)" });
});

export const DriftConfigSchema = z.strictObject({
  /** Bars in the rolling window the live distribution is measured over. */
  window: z.number().int().min(30).default(240),
  /** Population stability index past which a feature (or the action mix) alerts: 0.25 is the usual "significant shift". */
  threshold: z.number().gt(0).default(0.25),
});

export type DriftConfig = z.infer<typeof DriftConfigSchema>;

export const MonitorConfigSchema = z.strictObject({
  alerts: AlertThresholdsSchema.default(AlertThresholdsSchema.parse({})),
  webhook: WebhookSchema.optional(),
  /** The same alert (kind and subject) again within this many minutes is counted, not shown or sent. */
  suppressMinutes: z.number().min(0).default(15),
  drift: DriftConfigSchema.default(DriftConfigSchema.parse({})),
});
export type MonitorConfig = z.infer<typeof MonitorConfigSchema>;
