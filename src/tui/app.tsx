// The interactive terminal UI of `rlt trade`: it follows a MonitorSource (the session's monitor in this
// process, or a socket attached to another one) and turns keys into TradeControls calls. It decides
// nothing: it asks the session and shows what the session then says.
import { render, useApp, useInput, useStdout } from "ink";
import { useEffect, useRef, useState } from "react";
import type { MonitorSource, MonitorView, TradeControls } from "../monitor/types.ts";
import { fit } from "./format.ts";
import type { Line } from "./panel-lines.ts";
import { Help, Lines, MIN_COLUMNS, MIN_ROWS, Screen, layout } from "./screen.tsx";

export interface TuiOptions {
  /** Shown in the header of a read-only view (default "read-only"). */
  readOnlyLabel?: string;
  /** Settles when the source has nothing more to say (the session ended): the UI then exits. */
  ended?: Promise<unknown>;
  /** Messages for the status line (the session's info lines, which must not go to stdout under ink). */
  infos?: (listener: (message: string) => void) => () => void;
  /** What Ctrl-C does to the position (rlt trade's --on-exit). */
  ctrlCExit?: "keep" | "flatten";
  /** Ctrl-C while the session is already ending: the user insists (rlt trade exits at once, as at a second Ctrl-C). */
  onForceQuit?: () => void;
  /** The clock of the health ages (tests: the recorded view's). */
  nowMs?: () => number;
  /** A fixed size instead of the terminal's (tests, the snapshot script). */
  size?: { columns: number; rows: number };
  /** Render on these streams instead of the process's (tests). */
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

type Mode = "normal" | "confirm-flatten" | "confirm-quit" | "help" | "quitting";

const KEYS = "p pause  r resume  f flatten  q quit  ? help";
const READ_ONLY_KEYS = "read-only view: q leave  ? help";

export interface AppProps {
  source: MonitorSource;
  controls?: TradeControls;
  opts: TuiOptions;
  /** Called once when the UI is done (the user quit, or the source ended). */
  onDone: () => void;
}

export function App({ source, controls, opts, onDone }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [view, setView] = useState<MonitorView>(() => source.snapshot());
  const clock = opts.nowMs ?? Date.now;
  const [nowMs, setNowMs] = useState(clock());
  // the key handler reads the mode from a ref: a key arriving before React re-subscribes it must still see the new mode
  const [mode, setModeState] = useState<Mode>("normal");
  const modeRef = useRef<Mode>("normal");
  const setMode = (m: Mode) => {
    modeRef.current = m;
    setModeState(m);
  };
  const [status, setStatus] = useState<Line>({ text: controls ? "? shows what each key does" : `${opts.readOnlyLabel ?? "read-only (attached)"}: q leaves the view`, tone: "dim" });
  const [termSize, setTermSize] = useState(() => ({ columns: stdout.columns ?? MIN_COLUMNS, rows: stdout.rows ?? MIN_ROWS }));
  const size = opts.size ?? termSize;
  const done = () => {
    onDone();
    exit();
  };

  useEffect(() => {
    const unsubscribe = source.subscribe(setView);
    setView(source.snapshot()); // a change between the first render and the subscription
    return unsubscribe;
  }, [source]);
  useEffect(() => opts.infos?.((m) => setStatus({ text: m })), [opts.infos]);
  useEffect(() => {
    // health ages ("last event 3s ago") move without a new view
    const t = setInterval(() => setNowMs(clock()), 1000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    const onResize = () => setTermSize({ columns: stdout.columns ?? MIN_COLUMNS, rows: stdout.rows ?? MIN_ROWS });
    stdout.on("resize", onResize);
    return () => void stdout.off("resize", onResize);
  }, [stdout]);
  useEffect(() => {
    let live = true;
    opts.ended?.then(
      () => live && done(),
      () => live && done(),
    );
    return () => void (live = false);
  }, [opts.ended]);

  const say = (text: string, tone?: Line["tone"]) => setStatus({ text, tone });
  const quit = (how: "keep" | "flatten") => {
    controls!.quit(how);
    setMode("quitting");
    say(how === "keep" ? "quitting, keeping the position and its exchange-side stop… (Ctrl-C: at once)" : "quitting, flattening the position… (Ctrl-C: at once)", "warn");
    if (!opts.ended) done();
  };

  useInput((input, key) => {
    const mode = modeRef.current;
    if (mode === "quitting") {
      if (key.ctrl && input === "c") opts.onForceQuit?.();
      return;
    }
    if (mode === "help") return setMode("normal");
    if (mode === "confirm-flatten") {
      setMode("normal");
      if (input !== "y") return say("flatten cancelled");
      say("flattening the position…", "warn");
      controls!.flattenNow().then(
        () => say("flattened: position closed, new entries paused (r resumes)", "warn"),
        (err: unknown) => say(`flatten failed: ${err instanceof Error ? err.message : String(err)}`, "bad"),
      );
      return;
    }
    if (mode === "confirm-quit") {
      if (key.escape) {
        setMode("normal");
        return say("quit cancelled");
      }
      if (input === "k") return quit("keep");
      if (input === "f") return quit("flatten");
      return;
    }
    if (input === "?") return setMode("help");
    if (key.ctrl && input === "c") return controls ? quit(opts.ctrlCExit ?? "keep") : done();
    if (!controls) {
      if (input === "q") return done();
      if ("prf".includes(input) && input) say(`read-only (attached): ${input} acts only in the trader's own terminal`, "warn");
      return;
    }
    if (input === "p") {
      controls.pauseEntries();
      say("asked the session to pause new entries (exits and stops still happen)");
    } else if (input === "r") {
      controls.resume();
      say("asked the session to resume new entries");
    } else if (input === "f") {
      setMode("confirm-flatten");
      say("flatten the position now? y / n", "warn");
    } else if (input === "q") {
      setMode("confirm-quit");
      say("quit? k keep the position (its exchange stop stays) / f flatten / Esc cancel", "warn");
    }
  });

  if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) {
    return <Lines width={Math.max(1, size.columns)} lines={[{ text: fit(`terminal too small: ${size.columns}x${size.rows}, needs ${MIN_COLUMNS}x${MIN_ROWS}`, Math.max(1, size.columns)), tone: "warn" }]} />;
  }
  // one row stays free in a real terminal: a frame as tall as the terminal makes ink clear the screen on every redraw
  const at = layout(size.columns, opts.size ? size.rows : size.rows - 1);
  if (mode === "help") return <Help at={at} />;
  return <Screen view={view} at={at} nowMs={nowMs} status={status} keyBar={controls ? KEYS : READ_ONLY_KEYS} label={controls ? undefined : (opts.readOnlyLabel ?? "read-only")} />;
}

/**
 * Run the UI until the user quits or the source ends (`opts.ended`, or an attached source's `ended`).
 * Without controls it is a read-only view.
 */
export async function runTui(source: MonitorSource, controls: TradeControls | undefined, opts: TuiOptions = {}): Promise<void> {
  const attachedEnd = (source as { ended?: Promise<unknown> }).ended;
  const options: TuiOptions = { ...opts, ended: opts.ended ?? attachedEnd };
  // Ctrl-C is a key here (quit with --on-exit's choice), not ink's exit; absent streams are the process's
  const app = render(<App source={source} controls={controls} opts={options} onDone={() => {}} />, {
    exitOnCtrlC: false,
    patchConsole: true,
    ...(opts.stdout ? { stdout: opts.stdout } : {}),
    ...(opts.stdin ? { stdin: opts.stdin } : {}),
  });
  await app.waitUntilExit();
}
