// TensorFlow.js backend choice: the native @tensorflow/tfjs-node where it is installed (its install
// downloads libtensorflow, which fails on some machines, so it is not a dependency), else the WASM
// backend, else the pure-JS CPU backend. RLT_TF_BACKEND=node|wasm|cpu forces one; any other value is
// refused (a typo must not silently pick the slowest backend).
import { createRequire } from "node:module";
import path from "node:path";
import { envChoice } from "../core/env.ts";
import { ConfigError } from "../core/errors.ts";

export type Tf = typeof import("@tensorflow/tfjs");
export type BackendName = "tensorflow" | "wasm" | "cpu";
/** The values RLT_TF_BACKEND accepts. */
export const BACKEND_CHOICES = ["wasm", "cpu", "node"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

let loaded: { tf: Tf; backend: BackendName } | undefined;

export async function loadTf(prefer: BackendChoice | undefined = envChoice("RLT_TF_BACKEND", BACKEND_CHOICES)): Promise<{ tf: Tf; backend: BackendName }> {
  if (loaded) return loaded;
  if (!prefer || prefer === "node") {
    try {
      const tfNode = (await import(/* optional native backend */ "@tensorflow/tfjs-node" as string)) as Tf;
      await tfNode.ready();
      loaded = { tf: tfNode, backend: "tensorflow" };
      return loaded;
    } catch {
      if (prefer === "node") throw new ConfigError("RLT_TF_BACKEND=node, but @tensorflow/tfjs-node is not installed or failed to load", { hint: "npm install @tensorflow/tfjs-node, or set RLT_TF_BACKEND=wasm|cpu (or unset it)" });
    }
  }
  const tf = await import("@tensorflow/tfjs");
  if (!prefer || prefer === "wasm") {
    try {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(`${path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"))}/dist/`);
      if (await tf.setBackend("wasm")) {
        await tf.ready();
        loaded = { tf, backend: "wasm" };
        return loaded;
      }
    } catch {
      if (prefer === "wasm") throw new ConfigError("RLT_TF_BACKEND=wasm, but the WASM backend failed to load", { hint: "set RLT_TF_BACKEND=cpu, or unset it to fall back automatically" });
    }
  }
  await tf.setBackend("cpu");
  await tf.ready();
  loaded = { tf, backend: "cpu" };
  return loaded;
}
