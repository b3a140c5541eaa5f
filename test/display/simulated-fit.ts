/**
 * Drives display callbacks the way the trainer does (fit start, epochs, batches, validation, end) with a manual
 * clock, so tests and benchmarks see a deterministic message stream.
 */
import type { BatchScalars } from "../../kernel/trainer/hooks";
import { ManualScheduler } from "../../kernel/display/scheduler";
import type { TrainerView } from "../../kernel/display/trainer-view";

export interface SimOptions {
  epochs: number;
  batchesPerEpoch: number;
  /** Simulated time per batch, ms. */
  msPerBatch: number;
  /** Scalars of batch `i` (global index). */
  scalars?: (i: number) => Record<string, number>;
  /** Validation metrics after each epoch. */
  validation?: (epoch: number) => Record<string, number>;
  numTensors?: (i: number) => number;
  end?: "finished" | "interrupted" | "failed";
  runName?: string;
  hparams?: Record<string, unknown>;
}

export interface SimCallback {
  onFitStart?(t: any, m: any): unknown;
  onTrainEpochStart?(t: any, m: any): unknown;
  onBatchScalars?(t: any, m: any, s: BatchScalars): unknown;
  onValidationStart?(t: any, m: any): unknown;
  onValidationEnd?(t: any, m: any): unknown;
  onTrainEpochEnd?(t: any, m: any): unknown;
  onFitEnd?(t: any, m: any): unknown;
  onException?(t: any, m: any, e: unknown): unknown;
}

export class SimModule {
  constructor(public hparams: Record<string, unknown> = {}) {}
}

export function makeTrainer(o: SimOptions): TrainerView {
  return {
    globalStep: 0, currentEpoch: 0, batchesSeen: 0, maxEpochs: o.epochs, maxSteps: -1,
    numTrainingBatches: o.batchesPerEpoch, callbackMetrics: {}, loggedMetrics: {}, progressBarMetrics: {},
    sanityChecking: false, options: { runName: o.runName }, lightningModule: null,
  };
}

/** Runs the simulation synchronously and returns the trainer and the clock. */
export function simulateFit(cb: SimCallback, o: SimOptions, clock = new ManualScheduler(), module = new SimModule(o.hparams)) {
  const t = makeTrainer(o) as TrainerView & Record<string, any>;
  const scalars = o.scalars ?? ((i: number) => ({ loss: 1 / (1 + i * 0.01) }));
  cb.onFitStart?.(t, module);
  for (let e = 0; e < o.epochs; e++) {
    t.currentEpoch = e;
    cb.onTrainEpochStart?.(t, module);
    for (let b = 0; b < o.batchesPerEpoch; b++) {
      const i = e * o.batchesPerEpoch + b;
      clock.advance(o.msPerBatch);
      t.globalStep = i + 1;
      t.batchesSeen = i + 1;
      const outputs = scalars(i);
      t.loggedMetrics = { ...t.loggedMetrics, ...outputs };
      cb.onBatchScalars?.(t, module, {
        outputs, logged: {}, progressBar: { loss: outputs.loss ?? 0 }, globalStep: t.globalStep, batchesSeen: t.batchesSeen,
        epoch: e, batchIdx: b, numTensors: o.numTensors ? o.numTensors(i) : 10,
      });
    }
    if (o.validation) {
      cb.onValidationStart?.(t, module);
      t.loggedMetrics = { ...t.loggedMetrics, ...o.validation(e) };
      cb.onValidationEnd?.(t, module);
    }
    cb.onTrainEpochEnd?.(t, module);
  }
  if (o.end === "interrupted" || o.end === "failed") {
    const err = new Error(o.end === "interrupted" ? "training interrupted by the user" : "boom");
    if (o.end === "interrupted") err.name = "TrainingInterrupted";
    cb.onException?.(t, module, err);
  } else cb.onFitEnd?.(t, module);
  return { trainer: t, clock };
}
