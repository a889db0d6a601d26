// The session socket end to end over a real Unix socket: a view on request (NaN back as NaN), a
// subscription that follows changes and alerts until the trader closes, the journal's rows, the
// fallback for a session folder too deep for a socket address, a socket left by a killed trader, a
// second trader on the same folder, and requests that are not ours.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { until } from "../../test/helpers/poll.ts";
import { Health } from "../trade/health.ts";
import { Journal } from "../trade/journal.ts";
import { JOURNAL_VERSION } from "../trade/journal-schema.ts";
import type { SessionEvent, SessionState } from "../trade/session.ts";
import { SessionMonitor } from "./monitor.ts";
import { ScriptedSession } from "./scripted-session.ts";
import { askJournal, askView, attach } from "./socket-client.ts";
import { SOCKET_FILE, SOCKET_POINTER_FILE, findSocket } from "./socket-path.ts";
import { SessionSocketServer, answers } from "./socket-server.ts";
import type { MonitorView } from "./types.ts";

const root = mkdtempSync(path.join(tmpdir(), "rlt-sock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function serve(dir: string, journal?: Journal) {
  mkdirSync(dir, { recursive: true });
  const session = new ScriptedSession();
  const monitor = new SessionMonitor({ session, health: new Health(), exchange: "local", run: "runs/x" });
  const infos: string[] = [];
  const j = journal ?? (await Journal.open(":memory:", { session: "s1", run: "runs/x", model: "best", exchange: "local", mode: "paper", symbol: "BTCUSDT", config: null }));
  const server = new SessionSocketServer(monitor, { sessionDir: dir, journal: j, onInfo: (m) => infos.push(m) });
  monitor.use(server);
  await server.ready;
  return { session, monitor, server, infos, journal: j };
}

describe("session socket", () => {
  it("answers a view, follows a subscriber with views and alerts, and removes itself at the end", async () => {
    const dir = path.join(root, "a");
    const { session, monitor, server, journal } = await serve(dir);
    const file = path.join(dir, SOCKET_FILE);
    expect(server.socketPath).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    session.st = { ...session.st, bars: 4, lastBar: { openTime: 60_000, open: 1, high: 1, low: 1, close: Number.NaN, spreadBps: 1 } };
    const v = await askView(dir);
    expect(v?.session).toBe("s1");
    expect(v?.bars).toBe(4);
    expect(Number.isNaN(v?.lastClose)).toBe(true); // null on the wire, NaN again here

    const attached = await attach(dir);
    expect(attached?.snapshot().bars).toBe(4);
    const views: MonitorView[] = [];
    const alerts: string[] = [];
    attached!.subscribe((x) => views.push(x));
    attached!.onAlert!((a) => alerts.push(a.kind));
    session.st = { ...session.st, bars: 5 };
    session.emit({ type: "status", status: "paused", message: "new entries paused" });
    monitor.raise({ level: "warning", category: "risk", kind: "drawdown", message: "drawdown 6%" });
    await until("the alert and the paused view", () => alerts.length === 1 && views.some((x) => x.statusMessage === "new entries paused" && x.bars === 5), 5000, 10);
    // views are coalesced (at most 5 a second), the last change is never dropped
    await until("the view with the alert", () => attached!.snapshot().alerts.length === 1, 5000, 10);
    expect(attached!.snapshot().alerts.map((a) => a.kind)).toEqual(["drawdown"]);

    const dump = await askJournal(dir);
    expect(dump?.version).toBe(JOURNAL_VERSION);
    expect(dump?.tables.session?.[0]).toMatchObject({ session: "s1", mode: "paper" });
    expect(dump?.tables.equity).toEqual([]);

    session.st = { ...session.st, status: "stopped" };
    session.emit({ type: "status", status: "stopped", message: "stopped flat" });
    await monitor.close();
    await attached!.ended;
    // the change right before the end reached the subscriber
    expect(attached!.snapshot().status).toBe("stopped");
    expect(existsSync(file)).toBe(false);
    expect(findSocket(dir)).toBeUndefined();
    expect(await askView(dir)).toBeUndefined();
    await journal.close();
  });

  it("listens under the temp folder when the session folder is too deep for a socket address", async () => {
    const dir = path.join(root, "d".repeat(60), "e".repeat(60));
    const { monitor, server, journal } = await serve(dir);
    expect(server.socketPath?.startsWith(tmpdir())).toBe(true);
    expect(readFileSync(path.join(dir, SOCKET_POINTER_FILE), "utf8").trim()).toBe(server.socketPath);
    expect(statSync(path.dirname(server.socketPath!)).mode & 0o777).toBe(0o700);
    expect((await askView(dir))?.session).toBe("s1");
    const tmp = path.dirname(server.socketPath!);
    await monitor.close();
    expect(existsSync(path.join(dir, SOCKET_POINTER_FILE))).toBe(false);
    expect(existsSync(tmp)).toBe(false);
    await journal.close();
  });

  it("replaces the socket of a killed trader, and a second trader on the same folder leaves the first alone", async () => {
    const dir = path.join(root, "b");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, SOCKET_FILE);
    // a trader killed with SIGKILL leaves its socket file behind, with nobody listening on it
    const child = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(file)}, () => console.log("up"))`]);
    await new Promise<void>((r) => child.stdout.once("data", () => r()));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(existsSync(file)).toBe(true);
    expect(await answers(file)).toBe(false);

    const first = await serve(dir);
    expect(first.server.socketPath).toBe(file);
    expect((await askView(dir))?.session).toBe("s1");
    const second = await serve(dir);
    expect(second.server.socketPath).toBeUndefined();
    expect(second.infos.join("\n")).toMatch(/the session socket could not start \(another process answers on .*monitor\.sock\)/);
    await second.monitor.close();
    expect((await askView(dir))?.session).toBe("s1");
    await first.monitor.close();
    await first.journal.close();
    await second.journal.close();
  });

  it("answers a request that is not ours with an error line and keeps serving", async () => {
    const dir = path.join(root, "c");
    const { monitor, journal } = await serve(dir);
    const { connect } = await import("node:net");
    const c = connect(path.join(dir, SOCKET_FILE));
    let got = "";
    c.setEncoding("utf8");
    c.on("data", (d: string) => (got += d));
    c.write('not json\n{"op":"write"}\n');
    await until("two answers", () => got.split("\n").length >= 3, 5000, 10);
    const [a, b] = got.trim().split("\n").map((l) => JSON.parse(l) as { type: string; message: string });
    expect(a).toMatchObject({ type: "error", message: "not JSON: not json" });
    expect(b.message).toBe('unknown op "write": view, subscribe or journal');
    c.destroy();
    expect((await askView(dir))?.session).toBe("s1");
    await monitor.close();
    await journal.close();
  });
});
