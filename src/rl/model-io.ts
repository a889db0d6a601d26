// TF.js Layers models to and from a folder (model.json + weights.bin), the format tf.loadLayersModel
// reads, without tfjs-node's file:// handler. Every read is checked: a missing, garbled or truncated
// file is a DataError that names it, never a stack trace from inside TF.js.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DataError } from "../core/errors.ts";
import { writeDirAtomically } from "../core/staging.ts";
import type { Tf } from "./backend.ts";

type LayersModel = import("@tensorflow/tfjs").LayersModel;
type WeightsManifestEntry = import("@tensorflow/tfjs").io.WeightsManifestEntry;

const MODEL_JSON = "model.json";

/** Write the model's two files into `dir` (an existing folder, typically a staging one). */
export async function writeLayersModel(tf: Tf, model: LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData as ArrayBuffer;
      writeFileSync(path.join(dir, "weights.bin"), Buffer.from(weights));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: "layers-model",
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      };
      writeFileSync(path.join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
}

/** The model as a folder of its own, swapped in whole (a full disk leaves the previous one). */
export async function saveLayersModel(tf: Tf, model: LayersModel, dir: string): Promise<void> {
  await writeDirAtomically(dir, `the model ${dir}`, (staging) => writeLayersModel(tf, model, staging));
}

const HINT = "rlt writes model folders whole, so the file was changed or damaged afterwards: restore the folder from a copy or train the run again";

export async function loadLayersModel(tf: Tf, dir: string): Promise<LayersModel> {
  const { modelTopology, weightSpecs, weightData } = readModelFiles(dir);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
  } catch (err) {
    throw new DataError(`${path.join(dir, MODEL_JSON)} does not describe a model TF.js can load: ${(err as Error).message}`, { cause: err, hint: HINT });
  }
}

/** model.json parsed and weights.bin read, each checked against the other. */
export function readModelFiles(dir: string): { modelTopology: object; weightSpecs: WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const jsonFile = path.join(dir, MODEL_JSON);
  const json = readJsonFile(jsonFile, HINT) as { modelTopology?: unknown; weightsManifest?: { paths?: unknown; weights?: unknown }[] };
  const group = json?.weightsManifest?.[0];
  if (typeof json?.modelTopology !== "object" || json.modelTopology === null || !Array.isArray(group?.paths) || group.paths.length !== 1 || typeof group.paths[0] !== "string" || !Array.isArray(group.weights)) {
    throw new DataError(`${jsonFile} is not a TF.js layers model (modelTopology and one weightsManifest entry with one path expected)`, { hint: HINT });
  }
  const weightSpecs = group.weights as WeightsManifestEntry[];
  const needed = weightBytes(weightSpecs, jsonFile);
  const weightsFile = path.join(dir, group.paths[0] as string);
  const buf = readBinaryFile(weightsFile, HINT);
  if (buf.byteLength !== needed) {
    const what = buf.byteLength < needed ? "is truncated" : "is longer than its model";
    throw new DataError(`${weightsFile} ${what} (${buf.byteLength} bytes, ${MODEL_JSON} needs ${needed})`, { hint: HINT });
  }
  return { modelTopology: json.modelTopology, weightSpecs, weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Bytes the weight specs need in weights.bin (quantized weights take their stored dtype's size). */
function weightBytes(specs: WeightsManifestEntry[], jsonFile: string): number {
  let total = 0;
  for (const s of specs) {
    const dtype = s?.quantization?.dtype ?? s?.dtype;
    const size = DTYPE_BYTES[dtype as string];
    if (!Array.isArray(s?.shape) || !s.shape.every((d) => Number.isInteger(d) && d >= 0) || size === undefined) {
      throw new DataError(`${jsonFile}: weight ${JSON.stringify(s?.name ?? "?")} has no valid shape and dtype`, { hint: HINT });
    }
    total += s.shape.reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

/** A JSON file that must exist and parse; a failure names the file. */
export function readJsonFile(file: string, hint: string, reviver?: (key: string, value: unknown) => unknown): unknown {
  if (!existsSync(file)) throw new DataError(`${file} is missing`, { hint });
  const text = readFileSync(file, "utf8");
  try {
    return JSON.parse(text, reviver);
  } catch (err) {
    throw new DataError(`${file} is not valid JSON (${text.length} bytes: ${(err as Error).message})`, { cause: err, hint });
  }
}

/** A binary file that must exist. */
export function readBinaryFile(file: string, hint: string): Buffer {
  if (!existsSync(file) || !statSync(file).isFile()) throw new DataError(`${file} is missing`, { hint });
  return readFileSync(file);
}
