// Once per `vitest run`: a folder the test files share for what is expensive and the same for all of
// them (the tiny runs trade tests train, helpers/trade-run.ts), removed when the run ends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    sharedCacheDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), "rlt-test-cache-"));
  project.provide("sharedCacheDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
