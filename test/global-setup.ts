// Once per `vitest run`: a folder the test files share for what is expensive and the same for all of
// them (the tiny runs trade tests train, helpers/trade-run.ts), removed when the run ends. First, the
// WebAssembly kernels must be built: without them nearly every test would fail, each its own way.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    sharedCacheDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const kernels = path.resolve(import.meta.dirname, "../build/kernels/mlp.wasm");
  if (!existsSync(kernels)) throw new Error(`${kernels} is missing: the wasm-simd learner's kernels are not built. npm ci builds them, or run npm run build:kernels`);
  const dir = mkdtempSync(path.join(tmpdir(), "rlt-test-cache-"));
  project.provide("sharedCacheDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
