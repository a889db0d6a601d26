// What happens to an alert once raised: repeats of one kind and subject within suppressMinutes are
// counted, not shown (the next one shown carries the count); every alert shown is journaled (the alerts
// table) and, at or above the webhook's minLevel, POSTed to it in the configured format. Sending runs
// in the background through a small queue with a timeout: trading never waits for it, and a webhook
// that fails is counted and said once per outage, never retried into a loop.
import type { MonitorConfig } from "../core/monitor-config.ts";
import { repeatsText } from "./alert-text.ts";
import type { MonitorContext } from "./context.ts";
import type { AlertGate, MonitorPlugin, SessionMonitor } from "./monitor.ts";
import type { Alert, AlertLevel } from "./types.ts";

export type WebhookConfig = NonNullable<MonitorConfig["webhook"]>;

export interface AlertRow {
  alert: Alert;
  /** What became of the send: "sent (200)", "failed: …", "below minLevel", "no webhook", "dropped: queue full". */
  sent: string;
}

/** Where shown alerts are journaled (Journal.recordAlert). */
export interface AlertJournal {
  recordAlert(row: AlertRow): Promise<void>;
}

export interface DispatchOptions {
  suppressMinutes: number;
  webhook?: WebhookConfig;
  /** The session id and symbol, named in every message sent. */
  session: { id: string; symbol: string };
  journal?: AlertJournal;
  /** Replaceable for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

const LEVEL_RANK: Record<AlertLevel, number> = { info: 0, warning: 1, critical: 2 };
/** Sends waiting behind the one in flight; beyond this the oldest is dropped (an alert storm on a dead webhook). */
const QUEUE_MAX = 20;
/** Discord refuses content over 2000 characters, Telegram text over 4096. https://discord.com/developers/docs/resources/webhook, https://core.telegram.org/bots/api#sendmessage */
const TEXT_MAX = { discord: 2000, telegram: 4096, slack: 4000 } as const;
/** Its own failures are not sent to the webhook that failed. */
export const WEBHOOK_FAILED_KIND = "webhook-failed";

interface Pending {
  alert: Alert;
  body: string;
}

export class AlertDispatch implements MonitorPlugin {
  /** Per kind/subject: when it was last shown and how many repeats were counted since. */
  private readonly shown = new Map<string, { atMs: number; suppressed: number }>();
  private readonly queue: Pending[] = [];
  private sending?: Promise<void>;
  private monitor?: SessionMonitor;
  /** Sends that failed (timeouts, refusals, non-2xx), and whether the current outage has been said. */
  failures = 0;
  sent = 0;
  private outageSaid = false;
  private readonly fetch: typeof fetch;

  constructor(private readonly o: DispatchOptions) {
    this.fetch = o.fetch ?? globalThis.fetch;
  }

  /** The gate for monitor.setAlertGate: false for a suppressed repeat. */
  readonly gate: AlertGate = (alert) => {
    const key = `${alert.kind}\u0000${alert.subject ?? ""}`;
    const last = this.shown.get(key);
    if (last && alert.atMs - last.atMs < this.o.suppressMinutes * 60_000) {
      last.suppressed++;
      return false;
    }
    if (last?.suppressed) alert.suppressed = last.suppressed;
    this.shown.set(key, { atMs: alert.atMs, suppressed: 0 });
    this.dispatch(alert);
    return true;
  };

  attach(monitor: SessionMonitor): void {
    this.monitor = monitor;
    monitor.setAlertGate(this.gate);
    monitor.use(this);
  }

  /** Wait for what is queued (each send has its timeout): the session's end, before the journal closes. */
  async close(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private dispatch(alert: Alert): void {
    const w = this.o.webhook;
    const skip = !w ? "no webhook" : alert.kind === WEBHOOK_FAILED_KIND ? "not sent (about the webhook)" : LEVEL_RANK[alert.level] < LEVEL_RANK[w.minLevel] ? `below minLevel ${w.minLevel}` : undefined;
    if (skip || !w) {
      this.record(alert, skip ?? "no webhook");
      return;
    }
    this.queue.push({ alert, body: JSON.stringify(webhookPayload(w, alert, this.o.session)) });
    if (this.queue.length > QUEUE_MAX) {
      const dropped = this.queue.shift()!;
      this.failures++;
      this.record(dropped.alert, `dropped: ${QUEUE_MAX} sends queued behind a slow webhook`);
    }
    this.sending ??= this.drain(w).finally(() => (this.sending = undefined));
  }

  private async drain(w: WebhookConfig): Promise<void> {
    for (let p = this.queue.shift(); p; p = this.queue.shift()) {
      let outcome: string;
      try {
        const res = await this.fetch(w.url, { method: "POST", headers: { "content-type": "application/json" }, body: p.body, signal: AbortSignal.timeout(w.timeoutMs) });
        // the body is read so the connection is freed; its content does not matter
        await res.text().catch(() => "");
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        outcome = `sent (${res.status})`;
        this.sent++;
        this.outageSaid = false;
      } catch (err) {
        outcome = `failed: ${describeFailure(err, w.timeoutMs)}`;
        this.failures++;
        this.sayOutage(outcome);
      }
      this.record(p.alert, outcome);
    }
  }

  private sayOutage(outcome: string): void {
    if (this.outageSaid || !this.monitor) return;
    this.outageSaid = true;
    // shown and journaled once per outage (until a send succeeds again); never sent to the failing webhook
    this.monitor.raise({ level: "warning", category: "technical", kind: WEBHOOK_FAILED_KIND, message: `the alert webhook ${redactUrl(this.o.webhook!.url)} ${outcome} (${this.failures} failed so far); alerts are still shown and journaled, trading is unaffected` });
  }

  private record(alert: Alert, sent: string): void {
    this.o.journal?.recordAlert({ alert, sent }).catch(() => undefined);
  }
}

/** The body each service accepts: Slack and Discord incoming webhooks, Telegram's sendMessage, or rlt's own. */
export function webhookPayload(w: Pick<WebhookConfig, "format" | "chatId">, alert: Alert, session: { id: string; symbol: string }): object {
  const text = alertText(alert, session);
  switch (w.format) {
    case "slack":
      return { text: clip(text, TEXT_MAX.slack) };
    case "discord":
      return { content: clip(text, TEXT_MAX.discord) };
    case "telegram":
      return { chat_id: w.chatId, text: clip(text, TEXT_MAX.telegram) };
    case "json":
      return { ...alert, session: session.id, symbol: session.symbol };
  }
}

export function alertText(alert: Alert, session: { id: string; symbol: string }): string {
  return `[${alert.level.toUpperCase()}] ${session.symbol} ${session.id}: ${alert.message}${repeatsText(alert)}`;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return `no answer within ${timeoutMs} ms`;
  return e?.cause?.code ? `${e.message} (${e.cause.code})` : (e?.message ?? String(err));
}

/** A webhook URL carries its secret (Slack's path, Telegram's bot token): show the host only. */
function redactUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return "(invalid URL)";
  }
}

/** The gate of a session's monitor: its journal, rlt.yaml's suppression and webhook. */
export function installAlertDispatch(monitor: SessionMonitor, ctx: MonitorContext): AlertDispatch {
  const d = new AlertDispatch({ suppressMinutes: ctx.config.suppressMinutes, webhook: ctx.config.webhook, session: { id: ctx.journal.session.session, symbol: ctx.journal.session.symbol }, journal: ctx.journal });
  d.attach(monitor);
  return d;
}
