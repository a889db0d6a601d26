// A training run's checkpoint: one versioned folder, built aside and swapped in whole, holding all a
// resumed run needs to continue exactly as an uninterrupted one: the learner's own folder (weights and
// Adam state), the trainer's counters and random state with the metrics row of its update, and the
// rollout (every environment's simulator, reward tracker, episode and pending observation). Later
// learners or a reward normalizer add their own part; format.json lists the parts present.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DataError, UsageError } from "../core/errors.ts";
import { writeDirAtomically } from "../core/staging.ts";
import { EnvStateSchema } from "./env.ts";
import { RewardNormalizerStateSchema } from "./reward-normalizer.ts";
import { readJsonFile } from "./model-io.ts";
import { RUN_FILES } from "./run-files.ts";

export const CHECKPOINT_VERSION = 1;
/** The learner writes (and reads) its own folder; the trainer's and the rollout's state are JSON. */
const PARTS = { learner: "learner", trainer: "trainer.json", rollout: "rollout.json" } as const;
const FORMAT_FILE = "format.json";
/** The run folder's state file before checkpoints were versioned folders. */
const LEGACY_STATE_FILE = "state.json";

const f64 = z.custom<number>((v) => typeof v === "number", "expected a number");

export const TrainerStateSchema = z
  .object({
    update: z.number().int().min(0),
    globalStep: z.number().int().min(0),
    /** The one generator behind episode starts, action sampling and minibatch shuffles. */
    rngState: z.number().int().min(0).max(0xffffffff),
    bestValidationReturn: f64,
    bestUpdate: z.number().int().min(0),
    evalsWithoutBest: z.number().int().min(0),
    /** This update's metrics.csv row, appended on resume when the run stopped before writing it. */
    metricsRow: z.record(z.string(), f64),
    /** The running reward normalization (ppo.normalizeReward). */
    rewardNorm: RewardNormalizerStateSchema.optional(),
  })
  .strict();
export type TrainerState = z.infer<typeof TrainerStateSchema>;

export const RolloutStateSchema = z
  .object({
    envs: z.array(
      z
        .object({
          env: EnvStateSchema,
          /** The observation the next rollout step acts on. */
          nextObs: z.array(f64),
          /** The unfinished episode's return and reward components so far. */
          epReturn: f64,
          epComponents: z.record(z.string(), f64),
        })
        .strict(),
    ),
  })
  .strict();
export type RolloutState = z.infer<typeof RolloutStateSchema>;

const FormatSchema = z.object({ version: z.literal(CHECKPOINT_VERSION), parts: z.array(z.string()) }).strict();

export interface Checkpoint<L> {
  trainer: TrainerState;
  rollout: RolloutState;
  learner: L;
}

export function checkpointDir(runDir: string): string {
  return path.join(runDir, RUN_FILES.checkpoint);
}

/** Whether the run folder holds a checkpoint of any format (a run to resume, or one not to overwrite). */
export function hasCheckpoint(runDir: string): boolean {
  return existsSync(checkpointDir(runDir)) || existsSync(path.join(runDir, LEGACY_STATE_FILE));
}

/** Build the checkpoint in a staging folder and swap it in whole; a failure leaves the previous one. */
export async function writeCheckpoint(runDir: string, trainer: TrainerState, rollout: RolloutState, writeLearner: (dir: string) => Promise<void>): Promise<void> {
  await writeDirAtomically(checkpointDir(runDir), `the checkpoint of update ${trainer.update}`, async (staging) => {
    mkdirSync(path.join(staging, PARTS.learner));
    await writeLearner(path.join(staging, PARTS.learner));
    writeFileSync(path.join(staging, PARTS.trainer), encodeJson(trainer));
    writeFileSync(path.join(staging, PARTS.rollout), encodeJson(rollout));
    writeFileSync(path.join(staging, FORMAT_FILE), `${JSON.stringify({ version: CHECKPOINT_VERSION, parts: Object.values(PARTS) })}\n`);
  });
}

/** Read and check every part of the run's checkpoint; a bad or missing file is a DataError naming it. */
export async function readCheckpoint<L>(runDir: string, loadLearner: (dir: string) => Promise<L>): Promise<Checkpoint<L>> {
  const dir = checkpointDir(runDir);
  const hint = `the checkpoint is damaged; rlt swaps checkpoints in whole, so it was changed afterwards: restore ${dir} from a copy, or train a new run (another --name)`;
  const formatFile = path.join(dir, FORMAT_FILE);
  if (!existsSync(formatFile) && existsSync(path.join(runDir, LEGACY_STATE_FILE))) {
    throw new UsageError(`${runDir} was written by an older rlt (${LEGACY_STATE_FILE} and a checkpoint without ${FORMAT_FILE}): it cannot be resumed exactly, so it is not resumed`, {
      hint: `evaluate what it has (rlt eval --run ${runDir}) or train it again under another --name`,
    });
  }
  const format = readJsonFile(formatFile, hint) as { version?: unknown };
  if (typeof format?.version === "number" && format.version > CHECKPOINT_VERSION) {
    throw new UsageError(`${formatFile}: checkpoint format version ${format.version} was written by a newer rlt; this one reads version ${CHECKPOINT_VERSION}`, { hint: "resume the run with the rlt that trained it" });
  }
  const parsed = parsePart(FormatSchema, format, formatFile, hint);
  const unknown = parsed.parts.filter((p) => !(Object.values(PARTS) as string[]).includes(p));
  if (unknown.length) throw new UsageError(`${formatFile} lists parts this rlt does not know (${unknown.join(", ")}): resuming without them would not be exact`, { hint: "resume the run with the rlt that trained it" });
  const missing = Object.values(PARTS).filter((p) => !parsed.parts.includes(p) || !existsSync(path.join(dir, p)));
  if (missing.length) throw new DataError(`${dir} is not a complete checkpoint: ${missing.join(", ")} missing`, { hint });
  const trainerFile = path.join(dir, PARTS.trainer);
  const trainer = parsePart(TrainerStateSchema, readJsonFile(trainerFile, hint, decodeNumber), trainerFile, hint);
  const rolloutFile = path.join(dir, PARTS.rollout);
  const rollout = parsePart(RolloutStateSchema, readJsonFile(rolloutFile, hint, decodeNumber), rolloutFile, hint);
  if (trainer.metricsRow.update !== trainer.update) throw new DataError(`${trainerFile}: the metrics row is of update ${trainer.metricsRow.update}, the checkpoint of update ${trainer.update}`, { hint });
  const learner = await loadLearner(path.join(dir, PARTS.learner));
  return { trainer, rollout, learner };
}

function parsePart<T>(schema: z.ZodType<T>, raw: unknown, file: string, hint: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new DataError(`${file} is not a checkpoint part this rlt wrote (${issue.path.join(".") || "top level"}: ${issue.message})`, { hint });
}

// JSON has no NaN, ±Infinity or −0, and the trainer's state holds them (no best return yet is −∞; a
// metric with no finished episode is NaN): they are written as {"$f64": "NaN"} and read back exactly.
// Every other double is exact already: JSON.stringify prints the shortest text that reads back the same.
const SPECIAL = "$f64";

export function encodeJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0)) ? { [SPECIAL]: Object.is(v, -0) ? "-0" : String(v) } : v))}\n`;
}

export function decodeNumber(_key: string, v: unknown): unknown {
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && SPECIAL in v) {
    const s = (v as Record<string, unknown>)[SPECIAL];
    if (s === "NaN" || s === "Infinity" || s === "-Infinity" || s === "-0") return Number(s);
  }
  return v;
}
