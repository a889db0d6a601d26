// A terminal frame as a picture for the README: text with SGR colour codes (what `tmux capture-pane -e`
// gives: bold, dim, the 16 colours) drawn as an SVG of monospace lines, block characters as bars.
const CELL_W = 8.4;
const CELL_H = 17;
const FG = "#d0d0d0";
const PALETTE: Record<number, string> = { 31: "#ff6b6b", 32: "#69db7c", 33: "#ffd43b", 34: "#74c0fc", 35: "#e599f7", 36: "#66d9e8", 37: "#f1f3f5", 90: "#868e96", 91: "#ff8787", 92: "#8ce99a", 93: "#ffe066", 94: "#a5d8ff", 95: "#eebefa", 96: "#99e9f2", 97: "#ffffff" };

interface Run {
  col: number;
  text: string;
  color: string;
  bold: boolean;
  dim: boolean;
}

interface Pen {
  color: string;
  bold: boolean;
  dim: boolean;
}

/**
 * One line's text runs from its SGR codes (bold, dim, the 16 colours). The pen carries over from the line
 * before: tmux writes a code only where the attributes change, not at each line's start.
 */
function runsOf(line: string, pen: Pen): Run[] {
  const runs: Run[] = [];
  let col = 0;
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    const sgr = /^\x1b\[([0-9;]*)m$/.exec(part);
    if (sgr) {
      for (const code of (sgr[1] || "0").split(";").map(Number)) {
        if (code === 0) Object.assign(pen, { color: FG, bold: false, dim: false });
        else if (code === 1) pen.bold = true;
        else if (code === 2) pen.dim = true;
        else if (code === 22) Object.assign(pen, { bold: false, dim: false });
        else if (code === 39) pen.color = FG;
        else if (PALETTE[code]) pen.color = PALETTE[code];
      }
    } else if (part) {
      runs.push({ col, text: part, ...pen });
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

/** A terminal frame (text with SGR colour codes) as plain text and as an SVG of monospace lines. */
export function frameSvg(frame: string, columns: number, rows: number): { text: string; svg: string } {
  const lines = frame.split("\n");
  const text = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, "").trimEnd()).join("\n");
  const pen: Pen = { color: FG, bold: false, dim: false };
  const body = lines
    .map((line, row) =>
      runsOf(line, pen)
        .filter((r) => r.text.trim())
        .map((r) => runSvg(r, row))
        .join(""),
    )
    .join("\n");
  const width = Math.ceil(16 + columns * CELL_W);
  const height = 16 + rows * CELL_H;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">
<rect width="100%" height="100%" rx="6" fill="#1e1e1e"/>
${body}
</svg>
`;
  return { text, svg };
}
