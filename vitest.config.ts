import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "commands/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // 2-core machines: integration tests spawn exchanges and CLIs; keep parallelism modest.
    maxWorkers: 2,
    typecheck: { enabled: false },
    globalSetup: ["test/global-setup.ts"],
  },
});
