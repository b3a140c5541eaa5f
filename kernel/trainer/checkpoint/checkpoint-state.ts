/**
 * What a checkpoint holds and how it is put back (Lightning's `_CheckpointConnector.dump_checkpoint` / `restore`):
 * weights by name, every optimizer's state (Adam moments and iteration count included), LR schedulers, the loop
 * position (epoch, globalStep, batch within the epoch, batchesSeen, logger step), callback states, hparams.
 */
import { randomState, setRandomState } from "../seed";
import * as tf from "@tensorflow/tfjs";
import type { Callback } from "../callback";
import type { LightningModule } from "../module";
import type { Trainer } from "../trainer";
import { getLearningRate, setLearningRate } from "../optim/learning-rate";
import { CHECKPOINT_FORMAT_VERSION, CheckpointError, isTensorData, tensorData, type TensorData } from "./format";
import { namedVariables } from "./named-variables";

/** Where a resumed fit continues. */
export interface LoopState {
  /** The epoch to run next (or to finish, when `resumeBatch` > 0). */
  currentEpoch: number;
  /** The batch within that epoch to start at. */
  resumeBatch: number;
  globalStep: number;
  batchesSeen: number;
  /** The logger step (Lightning's `_batches_that_stepped`). */
  batchesThatStepped: number;
}

export interface OptimizerState {
  className: string;
  lr: number | null;
  weights: { name: string; tensor: TensorData }[];
}

/** The checkpoint dict passed to `onSaveCheckpoint` hooks (add your own JSON-able keys or tensors to it). */
export interface Checkpoint {
  format: "tslab-lightning";
  formatVersion: number;
  /** Lightning's "epoch": the epoch the checkpoint was saved in. */
  epoch: number;
  globalStep: number;
  module: string;
  stateDict: Record<string, TensorData>;
  loops: LoopState | null;
  callbacks?: Record<string, unknown>;
  optimizerStates?: OptimizerState[];
  lrSchedulers?: Record<string, unknown>[];
  hparams: Record<string, unknown>;
  [key: string]: unknown;
}

const MID_EPOCH_START = new Set(["onTrainStart", "onTrainEpochStart"]);

/** The loop position a resumed run should continue from, judged by the hook that is saving. */
export function currentLoopState(trainer: Trainer): LoopState {
  const hook = trainer._runContext?.hooks.current ?? null;
  let currentEpoch = trainer.currentEpoch;
  let resumeBatch = trainer._resumeBatch;
  let batchesSeen = trainer.batchesSeen;
  let batchesThatStepped = trainer._batchesThatStepped;
  if (trainer.training && hook === "onTrainBatchEnd") {
    // The batch is done but its counters are bumped after this hook (publishBatch): count it here.
    batchesSeen += 1;
    const module = trainer.lightningModule;
    const stepped = !module?.automaticOptimization ||
      (trainer.batchIdx + 1) % trainer.accumulateGradBatches === 0 || trainer.isLastBatch;
    if (stepped) batchesThatStepped += 1;
  } else if (trainer._pendingStepped) {
    // Saved during in-epoch validation: the logger step of the finished batch advances after it.
    batchesThatStepped += 1;
  }
  if (trainer.training) {
    if (hook === "onTrainEpochEnd") {
      // Saved while the epoch ends: the resumed run starts the next one.
      currentEpoch += 1;
      resumeBatch = 0;
    } else if (hook !== null && MID_EPOCH_START.has(hook)) {
      resumeBatch = 0;
    } else {
      // After a batch (onTrainBatchEnd, in-epoch validation): continue with the next batch.
      resumeBatch = trainer.batchIdx + 1;
    }
  }
  return {
    currentEpoch,
    resumeBatch,
    globalStep: trainer.globalStep,
    batchesSeen,
    batchesThatStepped,
  };
}

async function optimizerState(opt: tf.Optimizer): Promise<OptimizerState> {
  let lr: number | null = null;
  try {
    lr = getLearningRate(opt);
  } catch {
    /* optimizers without a numeric learningRate */
  }
  const named = await opt.getWeights();
  const weights: OptimizerState["weights"] = [];
  for (const w of named) {
    weights.push({ name: w.name, tensor: await tensorData(w.tensor) });
    if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose(); // e.g. the iteration scalar getWeights() creates
  }
  return { className: opt.getClassName(), lr, weights };
}

/**
 * Builds the checkpoint dict (weights, loops, then callback states/optimizers/schedulers unless `weightsOnly`), then
 * calls `Callback.onSaveCheckpoint` and the module's `onSaveCheckpoint` so they can add to it.
 */
export async function dumpCheckpoint(trainer: Trainer, module: LightningModule, weightsOnly = false): Promise<Checkpoint> {
  const stateDict: Record<string, TensorData> = {};
  for (const { name, variable } of namedVariables(module)) stateDict[name] = await tensorData(variable);
  const ckpt: Checkpoint = {
    format: "tslab-lightning",
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    epoch: trainer.currentEpoch,
    globalStep: trainer.globalStep,
    module: module.constructor.name,
    stateDict,
    loops: currentLoopState(trainer),
    hparams: JSON.parse(JSON.stringify(module.hparams ?? {}, (_k, v) => (typeof v === "function" ? undefined : v))),
    // Where the seeded random stream was, so noise drawn after resuming (dropout, GAN latents) continues identically.
    randomState: randomState(),
  };
  if (!weightsOnly) {
    const callbacks: Record<string, unknown> = {};
    for (const cb of trainer.callbacks) {
      const state = cb.stateDict();
      if (state && Object.keys(state).length > 0) callbacks[cb.stateKey] = state;
    }
    ckpt.callbacks = callbacks;
    ckpt.optimizerStates = [];
    for (const opt of trainer.optimizers) ckpt.optimizerStates.push(await optimizerState(opt));
    ckpt.lrSchedulers = trainer.lrSchedulerConfigs.map((s) => s.scheduler.stateDict());
  }
  const hooks = trainer._runContext?.hooks;
  if (hooks) {
    await hooks.callbackHook("onSaveCheckpoint", [ckpt]);
    await hooks.moduleHook("onSaveCheckpoint", [ckpt]);
  } else {
    for (const cb of trainer.callbacks) await cb.onSaveCheckpoint(trainer, module, ckpt);
    await module.onSaveCheckpoint?.(ckpt);
  }
  return ckpt;
}

/** Checks that `ckpt` is a tslab-lightning checkpoint dict. */
export function assertCheckpoint(ckpt: Record<string, unknown>, source: string): asserts ckpt is Checkpoint {
  if (ckpt.format !== "tslab-lightning" || typeof ckpt.stateDict !== "object" || ckpt.stateDict === null) {
    throw new CheckpointError(`${source} does not hold a tslab-lightning checkpoint (no "stateDict").`);
  }
}

const shapeStr = (s: number[]) => `[${s.join(", ")}]`;

/**
 * Assigns the checkpoint's weights to the module's variables (strict, like `load_state_dict(strict=True)`): the first
 * missing or differently shaped variable, in the module's order, is named in the error with both shapes.
 */
export function restoreWeights(module: LightningModule, ckpt: Checkpoint, source: string): void {
  const named = namedVariables(module);
  const from = ckpt.module && ckpt.module !== module.constructor.name ? ` (saved from ${ckpt.module})` : "";
  const saved = ckpt.stateDict;
  for (const { name, variable } of named) {
    const t = saved[name];
    if (!t) {
      const have = Object.keys(saved);
      throw new CheckpointError(
        `${source}${from} does not match ${module.constructor.name}: variable "${name}" ${shapeStr(variable.shape)} is missing ` +
          `from the checkpoint, which has ${have.length} variable(s): ${have.slice(0, 12).join(", ")}${have.length > 12 ? ", …" : ""}. ` +
          "Layers without an inputShape only get variables once called: build the model before restoring.",
      );
    }
    if (!isTensorData(t) || shapeStr(t.shape) !== shapeStr(variable.shape) || t.dtype !== variable.dtype) {
      throw new CheckpointError(
        `${source}${from} does not match ${module.constructor.name}: variable "${name}" has shape ${isTensorData(t) ? shapeStr(t.shape) : "?"} ` +
          `(${isTensorData(t) ? t.dtype : "?"}) in the checkpoint but ${shapeStr(variable.shape)} (${variable.dtype}) in the module.`,
      );
    }
  }
  const mine = new Set(named.map((n) => n.name));
  const extra = Object.keys(saved).filter((k) => !mine.has(k));
  if (extra.length > 0) {
    throw new CheckpointError(
      `${source}${from} does not match ${module.constructor.name}: the checkpoint has variable(s) the module lacks: ` +
        `${extra.slice(0, 12).map((e) => `"${e}" ${shapeStr(saved[e].shape)}`).join(", ")}.`,
    );
  }
  for (const { name, variable } of named) {
    const t = saved[name];
    const value = tf.tensor(t.data, t.shape, t.dtype);
    variable.assign(value);
    value.dispose();
  }
}

async function restoreOptimizer(opt: tf.Optimizer, state: OptimizerState, index: number, source: string): Promise<void> {
  if (state.className !== opt.getClassName()) {
    throw new CheckpointError(
      `${source}: optimizer ${index} is ${opt.getClassName()} but the checkpoint holds the state of a ${state.className}. ` +
        "configureOptimizers must return the same optimizers as when the checkpoint was saved.",
    );
  }
  let old: { name: string; tensor: tf.Tensor }[] = [];
  try {
    old = await opt.getWeights();
  } catch {
    /* not supported by this optimizer */
  }
  const tensors = state.weights.map((w) => ({ name: w.name, tensor: tf.tensor(w.tensor.data, w.tensor.shape, w.tensor.dtype) }));
  try {
    await opt.setWeights(tensors);
  } finally {
    for (const t of tensors) t.tensor.dispose();
  }
  // setWeights replaced the slot variables: release the previous ones (and getWeights' iteration scalar).
  for (const w of old) if (!w.tensor.isDisposed) w.tensor.dispose();
  if (state.lr !== null && state.lr !== undefined) setLearningRate(opt, state.lr);
}

/**
 * Puts a checkpoint back into a fit (the trainer's checkpoint restorer; called after configureOptimizers and before
 * onFitStart): module.onLoadCheckpoint, weights, callback onLoadCheckpoint + loadStateDict, loop state, optimizers,
 * schedulers.
 */
export async function restoreTrainingState(trainer: Trainer, module: LightningModule, ckpt: Checkpoint, source: string): Promise<void> {
  const hooks = trainer._runContext?.hooks;
  if (hooks) await hooks.moduleHook("onLoadCheckpoint", [ckpt]);
  else await module.onLoadCheckpoint?.(ckpt);
  restoreWeights(module, ckpt, source);
  if (!ckpt.optimizerStates || !ckpt.loops) {
    throw new CheckpointError(`${source} holds weights only (saved with weightsOnly); it cannot resume a fit. Load it with loadWeights(module, path).`);
  }
  const states = (ckpt.callbacks ?? {}) as Record<string, Record<string, unknown>>;
  if (hooks) await hooks.callbackHook("onLoadCheckpoint", [ckpt]);
  else for (const cb of trainer.callbacks) await cb.onLoadCheckpoint(trainer, module, ckpt);
  for (const cb of trainer.callbacks as Callback[]) {
    const s = states[cb.stateKey];
    if (s) cb.loadStateDict(s);
  }
  const opts = trainer.optimizers;
  if (ckpt.optimizerStates.length !== opts.length) {
    throw new CheckpointError(
      `${source} holds the state of ${ckpt.optimizerStates.length} optimizer(s) but configureOptimizers returned ${opts.length}.`,
    );
  }
  for (let i = 0; i < opts.length; i++) await restoreOptimizer(opts[i], ckpt.optimizerStates[i], i, source);
  const scheds = trainer.lrSchedulerConfigs;
  const savedScheds = ckpt.lrSchedulers ?? [];
  if (savedScheds.length !== scheds.length) {
    throw new CheckpointError(`${source} holds ${savedScheds.length} LR scheduler state(s) but configureOptimizers returned ${scheds.length} scheduler(s).`);
  }
  scheds.forEach((s, i) => s.scheduler.loadStateDict(savedScheds[i]));
  const loops = ckpt.loops;
  trainer.currentEpoch = loops.currentEpoch;
  trainer._resumeBatch = loops.resumeBatch;
  trainer._setGlobalStep(loops.globalStep);
  trainer.batchesSeen = loops.batchesSeen;
  trainer._batchesThatStepped = loops.batchesThatStepped;
  const rng = ckpt.randomState as { seed: number; state: number } | null | undefined;
  if (rng) setRandomState(rng);
}
