/** Checkpoint files: save (atomic), load (with clear errors for corrupt/foreign files), resume, load weights. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LightningModule } from "../module";
import type { Trainer } from "../trainer";
import { MisconfigurationError } from "../errors";
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from "./format";
import { assertCheckpoint, dumpCheckpoint, restoreTrainingState, restoreWeights, type Checkpoint } from "./checkpoint-state";
import { writeFileAtomic } from "./file-io";

export { CheckpointError, CHECKPOINT_FORMAT_VERSION, type TensorData } from "./format";
export type { Checkpoint, LoopState, OptimizerState } from "./checkpoint-state";
export { namedVariables, type NamedVariable } from "./named-variables";

/** Saves the running (or last) fit of `trainer` to `filepath` (Lightning's `trainer.save_checkpoint`). */
export async function saveCheckpoint(trainer: Trainer, filepath: string, weightsOnly = false): Promise<void> {
  const module = trainer.lightningModule;
  if (!module) {
    throw new MisconfigurationError("saveCheckpoint needs a model: call it after (or during) trainer.fit(module, ...).");
  }
  const ckpt = await dumpCheckpoint(trainer, module, weightsOnly);
  await writeFileAtomic(path.resolve(filepath), await encodeCheckpoint(ckpt));
}

/** Reads a checkpoint file into its dict (weights as TensorData: typed arrays with shape and dtype). */
export async function loadCheckpoint(filepath: string): Promise<Checkpoint> {
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(filepath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new CheckpointError(`Checkpoint at ${filepath} not found. Aborting training.`);
    if (err.code === "EISDIR") throw new CheckpointError(`${filepath} is a directory, not a checkpoint file.`);
    throw e;
  }
  const ckpt = decodeCheckpoint(buf, filepath);
  assertCheckpoint(ckpt, filepath);
  return ckpt;
}

/** Loads only the weights of a checkpoint into `module` (Lightning's `load_from_checkpoint` on an existing instance). */
export async function loadWeights(module: LightningModule, filepath: string): Promise<Checkpoint> {
  const ckpt = await loadCheckpoint(filepath);
  restoreWeights(module, ckpt, filepath);
  return ckpt;
}

/** The trainer's checkpoint restorer for `fit(..., { ckptPath })`. */
export async function restoreFromCheckpoint(trainer: Trainer, module: LightningModule, ckptPath: string): Promise<void> {
  const ckpt = await loadCheckpoint(ckptPath);
  await restoreTrainingState(trainer, module, ckpt, ckptPath);
}
