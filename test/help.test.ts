// `rlt --help` stays fast: it must not load DuckDB, TensorFlow.js, the learner's WebAssembly kernels,
// the exchange client or BullMQ and its Redis client (house style rule 10).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const HEAVY = ["@duckdb/", "@tensorflow/", "binance-api-node", "apache-arrow", "wasm/", "bullmq", "ioredis"];

// A module-resolution hook that prints every bare specifier resolved while the CLI runs, and every
// relative one into the kernels' folder (src/rl/wasm/).
const hook = `
import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(\`
export async function resolve(spec, ctx, next) {
  if (!spec.startsWith(".") && !spec.startsWith("/") && !spec.startsWith("node:") && !spec.startsWith("file:") && !spec.startsWith("data:")) process.stderr.write("LOADED " + spec + "\\\\n");
  return next(spec, ctx);
}\`));
`;

describe("rlt --help", () => {
  it("lists the working commands without loading heavy modules", () => {
    const res = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(hook)}`, "bin/rlt.js", "--help"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Commands:/);
    expect(res.stdout).toMatch(/data/);
    const loaded = res.stderr.split("\n").filter((l) => l.startsWith("LOADED ")).map((l) => l.slice(7));
    expect(loaded).toContain("commander"); // the hook works
    for (const heavy of HEAVY) expect(loaded.filter((m) => m.startsWith(heavy) || (heavy === "wasm/" && m.includes(heavy)))).toEqual([]);
  });

  it("exits 2 with a message on an unknown command", () => {
    const res = spawnSync(process.execPath, ["bin/rlt.js", "frobnicate"], { cwd: root, encoding: "utf8" });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
