// A network as a TF.js Layers model folder (model.json + weights.bin), written and read without TF.js:
// a Sequential of Dense layers, tanh on the hidden ones and linear on the head, the files
// tf.loadLayersModel loads and the TF.js learner writes. Reading checks every file (src/rl/model-io.ts)
// and the topology against what the kernels compute.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { DataError } from "../../core/errors.ts";
import { readModelFiles } from "../model-io.ts";

/** The TF.js version whose layers format is written (the one the TF.js learner writes). */
const TFJS_VERSION = "4.22.0";
const HINT = "rlt writes model folders whole, so the file was changed or damaged afterwards: restore the folder from a copy or train the run again";

export interface DenseNet {
  /** Widths d0 … dL. */
  dims: number[];
  /** Layer names (their variables are `${name}/kernel` and `${name}/bias`). */
  names: string[];
  /** Per layer: the kernel (d(l) × d(l+1), row-major) and the bias. */
  kernels: Float32Array[];
  biases: Float32Array[];
  /** Per layer: the initializer recorded in the topology (gain and seed). */
  init?: { gain: number; seed: number | null }[];
}

export function writeDenseNet(dir: string, net: DenseNet): void {
  const L = net.dims.length - 1;
  const layers = Array.from({ length: L }, (_, l) => ({
    class_name: "Dense",
    config: {
      units: net.dims[l + 1],
      activation: l < L - 1 ? "tanh" : "linear",
      use_bias: true,
      kernel_initializer: { class_name: "Orthogonal", config: { gain: net.init?.[l].gain ?? 1, seed: net.init?.[l].seed ?? null } },
      bias_initializer: { class_name: "Zeros", config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      name: net.names[l],
      trainable: true,
      ...(l === 0 ? { batch_input_shape: [null, net.dims[0]], dtype: "float32" } : {}),
    },
  }));
  const weights = net.names.flatMap((name, l) => [
    { name: `${name}/kernel`, shape: [net.dims[l], net.dims[l + 1]], dtype: "float32" },
    { name: `${name}/bias`, shape: [net.dims[l + 1]], dtype: "float32" },
  ]);
  const json = {
    modelTopology: { class_name: "Sequential", config: { name: `sequential_${net.names[0]}`, layers }, keras_version: `tfjs-layers ${TFJS_VERSION}`, backend: "tensor_flow.js" },
    format: "layers-model",
    generatedBy: `TensorFlow.js tfjs-layers v${TFJS_VERSION}`,
    convertedBy: null,
    weightsManifest: [{ paths: ["weights.bin"], weights }],
  };
  const data = Buffer.concat(net.kernels.flatMap((k, l) => [k, net.biases[l]]).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  writeFileSync(path.join(dir, "weights.bin"), data);
  writeFileSync(path.join(dir, "model.json"), JSON.stringify(json));
}

interface DenseConfig {
  units?: unknown;
  activation?: unknown;
  use_bias?: unknown;
  name?: unknown;
  batch_input_shape?: unknown;
}

/** The Dense network in `dir`, refused unless it is one the kernels compute (Dense, tanh hidden layers, linear head). */
export function readDenseNet(dir: string): DenseNet {
  const { modelTopology, weightSpecs, weightData } = readModelFiles(dir);
  const jsonFile = path.join(dir, "model.json");
  const topo = modelTopology as { class_name?: unknown; config?: { layers?: { class_name?: unknown; config?: DenseConfig }[] } };
  const layers = topo.class_name === "Sequential" ? topo.config?.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0) throw new DataError(`${jsonFile} is not a Sequential model of Dense layers`, { hint: HINT });
  const dims: number[] = [];
  const names: string[] = [];
  layers.forEach((layer, l) => {
    const c = layer.config ?? {};
    const activation = l < layers.length - 1 ? "tanh" : "linear";
    const input = l === 0 ? (Array.isArray(c.batch_input_shape) ? c.batch_input_shape[1] : undefined) : undefined;
    if (layer.class_name !== "Dense" || c.activation !== activation || c.use_bias !== true || !Number.isInteger(c.units) || typeof c.name !== "string" || (l === 0 && !Number.isInteger(input))) {
      throw new DataError(`${jsonFile}: layer ${l + 1} is not the Dense layer with bias and ${activation} activation this learner computes`, { hint: HINT });
    }
    if (l === 0) dims.push(input as number);
    dims.push(c.units as number);
    names.push(c.name);
  });
  const kernels: Float32Array[] = [];
  const biases: Float32Array[] = [];
  const byName = new Map<string, { shape: number[]; offset: number }>();
  let offset = 0;
  for (const spec of weightSpecs) {
    if (spec.dtype !== "float32" || spec.quantization) throw new DataError(`${jsonFile}: weight ${spec.name} is ${spec.quantization ? "quantized" : spec.dtype}, not float32`, { hint: HINT });
    byName.set(spec.name, { shape: spec.shape, offset });
    offset += 4 * spec.shape.reduce((a, b) => a * b, 1);
  }
  names.forEach((name, l) => {
    const take = (suffix: string, shape: number[]) => {
      const w = byName.get(`${name}/${suffix}`);
      if (!w || w.shape.join("x") !== shape.join("x")) throw new DataError(`${jsonFile}: ${name}/${suffix} ${w ? `has shape ${w.shape.join("×")}, not ${shape.join("×")}` : "is missing"}`, { hint: HINT });
      return new Float32Array(weightData.slice(w.offset, w.offset + 4 * shape.reduce((a, b) => a * b, 1)));
    };
    kernels.push(take("kernel", [dims[l], dims[l + 1]]));
    biases.push(take("bias", [dims[l + 1]]));
  });
  return { dims, names, kernels, biases };
}
