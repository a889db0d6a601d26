// TF.js Layers models to and from a folder (model.json + weights.bin), the format tf.loadLayersModel
// reads, without tfjs-node's file:// handler.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Tf } from "./backend.ts";

type LayersModel = import("@tensorflow/tfjs").LayersModel;

export async function saveLayersModel(tf: Tf, model: LayersModel, dir: string): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData as ArrayBuffer;
      writeFileSync(path.join(tmp, "weights.bin"), Buffer.from(weights));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: "layers-model",
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      };
      writeFileSync(path.join(tmp, "model.json"), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  renameSync(tmp, dir);
}

export async function loadLayersModel(tf: Tf, dir: string): Promise<LayersModel> {
  const json = JSON.parse(readFileSync(path.join(dir, "model.json"), "utf8"));
  const weights = readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: buffer }));
}
