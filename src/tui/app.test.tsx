// The terminal UI over recorded views of a real paper session: what each panel shows, that the screen
// stays inside 80×24, the too-small message, and that each key calls the right control (and only after
// its confirmation), or says read-only on an attached view.
import { render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup } from "ink-testing-library";
import type { MonitorSource, MonitorView, TradeControls } from "../monitor/types.ts";
import { until } from "../../test/helpers/poll.ts";
import { App, type TuiOptions } from "./app.tsx";
import { fixtureView } from "./fixture-view.ts";

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Poll (a loaded machine renders slowly): until `ok` holds, at most 3 s. */
const shown = (ok: () => boolean, what: string) => until(what, ok, 3000, 10);
const ESC = "\u001b";

function sourceOf(view: MonitorView): MonitorSource & { push(v: MonitorView): void } {
  const listeners = new Set<(v: MonitorView) => void>();
  let current = view;
  return {
    snapshot: () => current,
    subscribe: (l) => (listeners.add(l), () => void listeners.delete(l)),
    push(v) {
      current = v;
      for (const l of listeners) l(v);
    },
  };
}

function fakeControls() {
  const calls: string[] = [];
  const controls: TradeControls = {
    pauseEntries: () => void calls.push("pause"),
    resume: () => void calls.push("resume"),
    flattenNow: async () => void calls.push("flatten"),
    quit: (how) => void calls.push(`quit ${how}`),
  };
  return { calls, controls };
}

function show(view: MonitorView, controls?: TradeControls, opts: TuiOptions = {}) {
  let done = 0;
  const r = render(<App source={sourceOf(view)} controls={controls} opts={{ size: { columns: 80, rows: 24 }, ...opts }} onDone={() => done++} />);
  const frame = () => r.lastFrame() ?? "";
  /** A key, then the screen showing `shows` (each key here says something in the status line). */
  const press = async (key: string, shows: string) => {
    r.stdin.write(key);
    await shown(() => frame().includes(shows), `"${shows}" after ${JSON.stringify(key)}`);
  };
  return { ...r, frame, press, done: () => done };
}

afterEach(() => cleanup());

describe("terminal UI panels", () => {
  it("shows the position, the account and its PnL, decisions and trades within 80×24", () => {
    const { frame } = show(fixtureView("position"));
    const f = frame();
    const lines = f.split("\n");
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(80);
    expect(f).toContain("POSITION long 0.506 BTCUSDT");
    expect(f).toContain("entry 29,422.11");
    expect(f).toContain("mark 29,418.90");
    expect(f).toContain("uPnL -1.63");
    expect(f).toContain("liq 19,693.52");
    expect(f).toContain("stop 29,333.85");
    expect(f).toContain("ACCOUNT balance 9,930.02");
    // today's realized PnL is 0 in the recording (its trades closed on another UTC day); session = equity − start
    expect(f).toContain("today 0.00  session -71.60 (-0.7%)");
    expect(f).toContain("RISK ACTIVE  denials 0");
    expect(f).toContain("23:21 buy  .34/.33/.33 stay long");
    expect(f).toContain("TRADES 3 closed");
    expect(f).toContain("23:21 short 0.507 -21.31 signal 29,4");
    expect(f).toContain("features: window filling (10/240)");
    expect(f).toContain("actions: no evaluation on the test");
    expect(f).toContain("no alerts");
    expect(f).toMatch(/EQUITY 9,928.40 [▁▂▃▄▅▆▇█]{10}/);
  });

  it("shows a halted risk state with its denial, alerts, health and drift", () => {
    const v = fixtureView("halted");
    const view: MonitorView = {
      ...v,
      alerts: [{ atMs: Date.UTC(2026, 11, 3, 6, 10), level: "warning", category: "risk", kind: "drawdown", message: "drawdown 3.0% from the peak", suppressed: 2 }],
      health: { ...v.health, streams: [{ route: "/market", up: true, connections: 2, lastEventMs: v.asOfMs - 3000 }, { route: "user", up: false, connections: 1, downReason: "closed 1006" }], rest: { requests: 12, errors: 1, lastLatencyMs: 45.2, meanLatencyMs: 40 }, clockOffsetMs: -12 },
      drift: { ...v.drift, features: v.drift.features.map((f, i) => ({ ...f, psi: i === 10 ? 0.412 : i === 3 ? 0.12 : f.psi })), actionPsi: 0.031 },
    };
    const f = show(view, undefined, { nowMs: () => v.asOfMs }).frame();
    expect(f).toContain("POSITION flat BTCUSDT");
    expect(f).toContain("RISK HALTED (daily-loss)  denials 1");
    expect(f).toContain("02:49 denial halted: trading is halted");
    expect(f).toContain("02:49 halt daily-loss: equity 9709.96");
    expect(f).toContain("06:10 WARNING risk drawdown: drawdown 3.0% from the peak (+2 suppressed)");
    expect(f).toContain("HEALTH clock -12ms  listenKey 0  recon 0");
    expect(f).toContain(" market up 2× 3.0s");
    expect(f).toContain(" user DOWN closed 1006");
    expect(f).toContain(" REST 12 req 1 err 45ms (mean 40ms)");
    expect(f).toContain("rsi_14 0.412!  close 0.120");
    expect(f).toContain("actions PSI 0.031");
    expect(f).toContain("TRADES 17 closed");
    expect(f).toContain("risk-halt");
  });

  it("says why drift is off, and uses the room of a larger terminal", () => {
    const v = fixtureView("position");
    const f = show({ ...v, drift: { ...v.drift, enabled: false, reason: "the run's feature manifest has no training distribution" } }, undefined, { size: { columns: 120, rows: 40 } }).frame();
    expect(f).toContain("DRIFT off: the run's feature manifest");
    const lines = f.split("\n");
    expect(lines.length).toBe(40);
    expect(Math.max(...lines.map((l) => [...l].length))).toBeGreaterThan(80);
    // 40 rows show all ten of the recording's decisions
    expect(f).toContain("23:12 hold .33/.33/.34 stay flat");
  });

  it("says the terminal is too small instead of a garbled layout", () => {
    const f = show(fixtureView("position"), undefined, { size: { columns: 70, rows: 20 } }).frame();
    expect(f).toBe("terminal too small: 70x20, needs 80x24");
  });

  it("follows the source's new views", async () => {
    const v = fixtureView("position");
    const src = sourceOf(v);
    const r = render(<App source={src} opts={{ size: { columns: 80, rows: 24 } }} onDone={() => {}} />);
    src.push({ ...v, status: "paused", statusMessage: "new entries paused" });
    await tick();
    expect(r.lastFrame()).toContain("PAUSED (new entries paused)");
  });
});

describe("terminal UI keys", () => {
  async function started(controls?: TradeControls, opts: TuiOptions = {}) {
    const ui = show(fixtureView("position"), controls, opts);
    await shown(() => ui.frame().includes("POSITION"), "the first frame");
    await tick(50); // useInput listens from the first effects on
    return ui;
  }

  it("p pauses, r resumes", async () => {
    const { calls, controls } = fakeControls();
    const ui = await started(controls);
    await ui.press("p", "asked the session to pause new entries");
    expect(calls).toEqual(["pause"]);
    await ui.press("r", "asked the session to resume new entries");
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("f flattens only after y; f then n does nothing", async () => {
    const { calls, controls } = fakeControls();
    const ui = await started(controls);
    await ui.press("f", "flatten the position now? y / n");
    await ui.press("n", "flatten cancelled");
    expect(calls).toEqual([]);
    await ui.press("f", "flatten the position now? y / n");
    await ui.press("y", "flattened: position closed, new entries paused");
    expect(calls).toEqual(["flatten"]);
  });

  for (const [second, expected, shows] of [
    ["k", ["quit keep"], "quitting, keeping the position"],
    ["f", ["quit flatten"], "quitting, flattening the position"],
    [ESC, [], "quit cancelled"],
  ] as const) {
    it(`q then ${second === ESC ? "Esc" : second}`, async () => {
      const { calls, controls } = fakeControls();
      const ui = await started(controls, { ended: new Promise(() => {}) });
      await ui.press("q", "quit? k keep");
      expect(calls).toEqual([]);
      await ui.press(second, shows);
      expect(calls).toEqual(expected);
      if (second === ESC) return;
      // keys after a quit send nothing more
      ui.stdin.write("q");
      ui.stdin.write("k");
      await tick(100);
      expect(calls).toEqual(expected);
    });
  }

  it("Ctrl-C quits with --on-exit's choice; a second one insists", async () => {
    const { calls, controls } = fakeControls();
    const ui = await started(controls, { ended: new Promise(() => {}), ctrlCExit: "flatten", onForceQuit: () => void calls.push("force quit") });
    await ui.press("\x03", "quitting, flattening the position");
    expect(calls).toEqual(["quit flatten"]);
    ui.stdin.write("\x03");
    await shown(() => calls.length === 2, "the insisting Ctrl-C");
    expect(calls).toEqual(["quit flatten", "force quit"]);
  });

  it("redraws on a resize of the terminal", async () => {
    const v = fixtureView("position");
    const r = render(<App source={sourceOf(v)} opts={{}} onDone={() => {}} />);
    await shown(() => (r.lastFrame() ?? "").includes("POSITION"), "the first frame");
    // the testing library's terminal is 100 columns wide; a terminal narrowed to 70 is too small
    Object.defineProperty(r.stdout, "columns", { value: 70, configurable: true });
    r.stdout.emit("resize");
    await shown(() => r.lastFrame() === "terminal too small: 70x24, needs 80x24", "the too-small message");
    Object.defineProperty(r.stdout, "columns", { value: 90, configurable: true });
    r.stdout.emit("resize");
    await shown(() => (r.lastFrame() ?? "").includes("POSITION long"), "the UI again");
    expect(Math.max(...(r.lastFrame() ?? "").split("\n").map((l) => [...l].length))).toBeLessThanOrEqual(90);
  });

  it("ends when the source ends", async () => {
    const { controls } = fakeControls();
    let end!: () => void;
    const ui = await started(controls, { ended: new Promise<void>((r) => (end = r)) });
    expect(ui.done()).toBe(0);
    end();
    await shown(() => ui.done() === 1, "the UI to end");
  });

  it("an attached view is read-only: acting keys say so, q leaves, ? shows the help", async () => {
    const ui = await started();
    expect(ui.frame()).toContain("BTCUSDT paper@local [read-only]  TRADING  11 bars, last 23:21 UTC");
    await ui.press("p", "read-only (attached): p acts only in the trader's own terminal");
    await ui.press("?", "f  flatten the position now (asks y/n first");
    await ui.press("x", "POSITION long");
    ui.stdin.write("q");
    await shown(() => ui.done() === 1, "q to leave the view");
  });
});
