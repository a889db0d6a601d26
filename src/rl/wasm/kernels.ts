// The compiled kernels (kernels/mlp.ts → build/kernels/mlp.wasm, built by `npm ci` through the
// package's prepare script): compiled once per process, instantiated over a memory the caller lays out.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../core/errors.ts";

export const KERNELS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../build/kernels/mlp.wasm");

/** The kernels' exports (kernels/mlp.ts); every pointer is a byte offset into the shared memory. */
export interface KernelExports {
  tanhInPlace(x: number, n: number): void;
  gemm(a: number, aRow: number, aCol: number, b: number, c: number, m: number, k: number, n: number, mode: number, extra: number): void;
  forward(net: number, x: number, rows: number): void;
  outputOf(net: number): number;
  backward(net: number, x: number, rows: number, dOut: number): void;
  refreshTransposes(net: number): void;
  ppoGrad(job: number): void;
  addInto(a: number, b: number, n: number): void;
  sumSquares(g: number, n: number): number;
  adam(theta: number, g: number, m: number, v: number, n: number, scale: number, negLr: number, b1: number, b2: number, omb1: number, omb2: number, c1: number, c2: number, eps: number): void;
}

/** The module's declared memory limit (--maximumMemory of build:kernels), in 64 KiB pages. */
export const MAX_PAGES = 16384;

let compiled: WebAssembly.Module | undefined;

/** The compiled module (of `file`, for a test), or a ConfigError that says how to build it. */
export function kernelModule(file = KERNELS_FILE): WebAssembly.Module {
  if (compiled && file === KERNELS_FILE) return compiled;
  if (!existsSync(file)) {
    throw new ConfigError(`the WebAssembly kernels of the wasm-simd learner are not built: ${file} is missing`, {
      hint: "npm ci builds them (or npm run build:kernels); ppo.learner: tfjs in the training config uses TF.js instead",
    });
  }
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(readFileSync(file));
  } catch (err) {
    throw new ConfigError(`${file} is not a WebAssembly module this Node.js can compile (${(err as Error).message})`, { cause: err, hint: "rebuild it with npm run build:kernels (it needs WebAssembly SIMD and threads, in Node.js 20 and later)" });
  }
  if (file === KERNELS_FILE) compiled = module;
  return module;
}

/** A shared memory of `pages` pages (fixed: it never grows, so views on it stay valid). */
export function kernelMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

export function instantiate(memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(kernelModule(), {
    env: {
      memory,
      abort: () => {
        throw new Error("kernel abort");
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
