// The kernels on their own: a missing or damaged build is a ConfigError saying how to build it, and the
// vectorized tanh stays within a few float32 ulp of Math.tanh over the range the networks see.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../../test/helpers/sample-store.ts";
import { instantiate, kernelMemory, kernelModule } from "./kernels.ts";

describe("the WebAssembly kernels", () => {
  it("refuse a missing or damaged build with exit 2 and the command that builds them", () => {
    const dir = tempDir("rlt-kernels-");
    expect(() => kernelModule(path.join(dir, "mlp.wasm"))).toThrow(expect.objectContaining({ name: "ConfigError", exitCode: 2, message: `the WebAssembly kernels of the wasm-simd learner are not built: ${path.join(dir, "mlp.wasm")} is missing`, hint: expect.stringMatching(/npm ci builds them \(or npm run build:kernels\)/) }));
    writeFileSync(path.join(dir, "bad.wasm"), "not wasm");
    expect(() => kernelModule(path.join(dir, "bad.wasm"))).toThrow(/bad\.wasm is not a WebAssembly module this Node\.js can compile/);
  });

  it("compute tanh within 8 float32 ulp of Math.tanh on [-10, 10]", () => {
    const memory = kernelMemory(4);
    const k = instantiate(memory);
    const n = 40_001;
    const at = 65536;
    const x = new Float32Array(memory.buffer, at, n);
    for (let i = 0; i < n; i++) x[i] = -10 + (20 * i) / (n - 1);
    const input = Float32Array.from(x);
    k.tanhInPlace(at, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const exact = Math.tanh(input[i]);
      worst = Math.max(worst, Math.abs(x[i] - exact) / Math.max(Math.abs(exact), 2 ** -126) / 2 ** -24);
    }
    expect(worst).toBeLessThan(8);
    expect(x[n - 1]).toBeCloseTo(1, 6);
    expect(x[(n - 1) / 2]).toBe(0);
  });
});
