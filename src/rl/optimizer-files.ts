// Adam's state beside a learner's networks: optimizer.json (format, step count, the bias-correction
// powers β^t, the moments' names and shapes) and optimizer.bin (the first moments of every trainable
// variable in the networks' order, then the second moments: the layout tf.train.adam's getWeights()
// gives). Both learners read and write it, so a run resumes across learners.
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DataError } from "../core/errors.ts";
import { readBinaryFile, readJsonFile } from "./model-io.ts";

const OPTIMIZER_FORMAT = "adam-1";
const OPTIMIZER_HINT = "rlt writes model and checkpoint folders whole, so the file was changed or damaged afterwards: restore the folder from a copy, resume from another run, or train again";

const OptimizerIndexSchema = z
  .object({
    format: z.literal(OPTIMIZER_FORMAT),
    iterations: z.number().int().min(0),
    accBeta1: z.number(),
    accBeta2: z.number(),
    moments: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)) }).strict()),
  })
  .strict();
type OptimizerIndex = z.infer<typeof OptimizerIndexSchema>;
/** Before format "adam-1": a bare list whose first entry is the int32 iteration count. */
const LegacyOptimizerIndexSchema = z.array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)) }).strict());

export interface OptimizerState {
  iterations: number;
  accBeta1?: number;
  accBeta2?: number;
  moments: { name: string; shape: number[]; values: Float32Array }[];
}

/** optimizer.json + optimizer.bin checked against each other and against the networks' variables. */
function parseOptimizerState(raw: unknown, bin: Buffer, indexFile: string, binFile: string, varShapes: number[][]): OptimizerState {
  const parsed = OptimizerIndexSchema.safeParse(raw);
  const legacy = parsed.success ? undefined : LegacyOptimizerIndexSchema.safeParse(raw);
  if (!parsed.success && !legacy?.success) {
    const issue = parsed.error.issues[0];
    throw new DataError(`${indexFile} is not an optimizer index rlt can read (${issue.path.join(".") || "top level"}: ${issue.message})`, { hint: OPTIMIZER_HINT });
  }
  let iterations: number;
  let entries: { name: string; shape: number[] }[];
  let offset = 0;
  if (parsed.success) {
    iterations = parsed.data.iterations;
    entries = parsed.data.moments;
  } else {
    const [iter, ...rest] = legacy!.data!;
    if (iter?.name !== "iter" || bin.byteLength < 4) throw new DataError(`${indexFile} lists no iteration count`, { hint: OPTIMIZER_HINT });
    iterations = bin.readInt32LE(0);
    entries = rest;
    offset = 4;
  }
  const sizes = entries.map((e) => e.shape.reduce((a, b) => a * b, 1));
  const needed = offset + 4 * sizes.reduce((a, b) => a + b, 0);
  if (bin.byteLength !== needed) {
    throw new DataError(`${binFile} ${bin.byteLength < needed ? "is truncated" : "is longer than its index"} (${bin.byteLength} bytes, optimizer.json needs ${needed})`, { hint: OPTIMIZER_HINT });
  }
  // Adam keeps a first and a second moment per trainable variable, in the variables' order
  // (none at all before Adam's first step)
  const expected = entries.length === 0 ? [] : [...varShapes, ...varShapes];
  const mismatch = entries.length !== expected.length ? -1 : entries.findIndex((e, i) => e.shape.join("x") !== expected[i].join("x"));
  if (entries.length !== expected.length || mismatch >= 0) {
    throw new DataError(`${indexFile} does not match the networks beside it (${entries.length} moments for ${expected.length}${mismatch >= 0 ? `; ${entries[mismatch].name} has shape ${entries[mismatch].shape.join("×")}` : ""})`, { hint: OPTIMIZER_HINT });
  }
  const floats = new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + bin.byteLength));
  let off = 0;
  const moments = entries.map((e, i) => {
    const values = floats.slice(off, off + sizes[i]);
    off += sizes[i];
    return { name: e.name, shape: e.shape, values };
  });
  return parsed.success ? { iterations, accBeta1: parsed.data.accBeta1, accBeta2: parsed.data.accBeta2, moments } : { iterations, moments };
}

/** Write optimizer.json and optimizer.bin into `dir`. */
export function writeOptimizerFiles(dir: string, state: Required<OptimizerState>): void {
  const index: OptimizerIndex = {
    format: OPTIMIZER_FORMAT,
    iterations: state.iterations,
    accBeta1: state.accBeta1,
    accBeta2: state.accBeta2,
    moments: state.moments.map((w) => ({ name: w.name, shape: w.shape })),
  };
  const data = Buffer.concat(state.moments.map((w) => Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength)));
  writeFileSync(path.join(dir, "optimizer.json"), JSON.stringify(index));
  writeFileSync(path.join(dir, "optimizer.bin"), data);
}

/**
 * The optimizer state in `dir`, checked against the networks' variable shapes; undefined when it is
 * absent and not required (a model folder without it: fresh Adam moments).
 */
export function readOptimizerFiles(dir: string, required: boolean, varShapes: number[][]): OptimizerState | undefined {
  const indexFile = path.join(dir, "optimizer.json");
  const binFile = path.join(dir, "optimizer.bin");
  if (!required && !existsSync(indexFile)) return undefined;
  const raw = readJsonFile(indexFile, OPTIMIZER_HINT);
  const bin = readBinaryFile(binFile, OPTIMIZER_HINT);
  return parseOptimizerState(raw, bin, indexFile, binFile, varShapes);
}
