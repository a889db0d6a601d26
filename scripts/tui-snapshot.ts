// A picture of the terminal UI for the README: the recorded paper-session view (test/fixtures, "screen") rendered
// at 80×24 with ink-testing-library, as text and as an SVG of monospace lines in the UI's colours.
//   npx tsx scripts/tui-snapshot.ts   → docs/img/tui.txt, docs/img/tui.svg
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

// ink picks its colour level when it is first imported: ask for 16 colours, which the SVG maps
process.env.FORCE_COLOR = "1";
const { createElement } = await import("react");
const { render } = await import("ink-testing-library");
const { App } = await import("../src/tui/app.tsx");
const { fixtureView } = await import("../src/tui/fixture-view.ts");

const COLUMNS = 80;
const ROWS = 24;
const CELL_W = 8.4;
const CELL_H = 17;
const FG = "#d0d0d0";
const PALETTE: Record<number, string> = { 31: "#ff6b6b", 32: "#69db7c", 33: "#ffd43b", 34: "#74c0fc", 35: "#e599f7", 36: "#66d9e8", 37: "#f1f3f5", 90: "#868e96" };

const view = fixtureView("screen");
const controls = { pauseEntries() {}, resume() {}, flattenNow: async () => {}, quit() {} };
const ui = render(createElement(App, { source: { snapshot: () => view, subscribe: () => () => {} }, controls, opts: { size: { columns: COLUMNS, rows: ROWS }, nowMs: () => view.asOfMs }, onDone: () => {} }));
await new Promise((r) => setTimeout(r, 100));
const frame = ui.lastFrame() ?? "";
ui.unmount();

interface Run {
  col: number;
  text: string;
  color: string;
  bold: boolean;
  dim: boolean;
}

/** One line's text runs from its SGR codes (only what ink's colours use: bold, dim, 16 colours). */
function runsOf(line: string): Run[] {
  const runs: Run[] = [];
  let color = FG;
  let bold = false;
  let dim = false;
  let col = 0;
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    const sgr = /^\x1b\[([0-9;]*)m$/.exec(part);
    if (sgr) {
      for (const code of (sgr[1] || "0").split(";").map(Number)) {
        if (code === 0) [color, bold, dim] = [FG, false, false];
        else if (code === 1) bold = true;
        else if (code === 2) dim = true;
        else if (code === 22) [bold, dim] = [false, false];
        else if (code === 39) color = FG;
        else if (PALETTE[code]) color = PALETTE[code];
      }
    } else if (part) {
      runs.push({ col, text: part, color, bold, dim });
      col += [...part].length;
    }
  }
  return runs;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const BLOCKS = "▁▂▃▄▅▆▇█";

/** A run as SVG: text, except the sparkline's block characters, drawn as bars (fonts draw them unevenly). */
function runSvg(r: Run, row: number): string {
  const chars = [...r.text];
  const baseline = 8 + (row + 1) * CELL_H - 2;
  const out: string[] = [];
  let textFrom = 0;
  const flush = (to: number) => {
    const t = chars.slice(textFrom, to).join("");
    if (t.trim()) out.push(`<text x="${(8 + (r.col + textFrom) * CELL_W).toFixed(1)}" y="${(baseline - 2).toFixed(1)}" fill="${r.color}"${r.bold ? ' font-weight="bold"' : ""}${r.dim ? ' opacity="0.6"' : ""} xml:space="preserve">${esc(t)}</text>`);
  };
  chars.forEach((c, i) => {
    const level = BLOCKS.indexOf(c);
    if (level < 0) return;
    flush(i);
    textFrom = i + 1;
    const h = ((level + 1) / BLOCKS.length) * (CELL_H - 2);
    out.push(`<rect x="${(8 + (r.col + i) * CELL_W).toFixed(1)}" y="${(baseline - h).toFixed(1)}" width="${(CELL_W - 0.6).toFixed(1)}" height="${h.toFixed(1)}" fill="${r.color}"/>`);
  });
  flush(chars.length);
  return out.join("");
}
const lines = frame.split("\n");
const text = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, "").trimEnd()).join("\n");
const body = lines
  .map((line, row) =>
    runsOf(line)
      .filter((r) => r.text.trim())
      .map((r) => runSvg(r, row))
      .join(""),
  )
  .join("\n");
const width = Math.ceil(16 + COLUMNS * CELL_W);
const height = 16 + ROWS * CELL_H;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">
<rect width="100%" height="100%" rx="6" fill="#1e1e1e"/>
${body}
</svg>
`;
const out = path.resolve(import.meta.dirname, "../docs/img");
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, "tui.txt"), `${text}\n`);
writeFileSync(path.join(out, "tui.svg"), svg);
console.log(`docs/img/tui.txt and docs/img/tui.svg: ${lines.length} rows, widest ${Math.max(...text.split("\n").map((l) => [...l].length))} columns`);
