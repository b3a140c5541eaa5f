/** Options of `this.log` / `this.logDict` (camelCase of Lightning's `self.log` keyword arguments). */
import type * as tf from "@tensorflow/tfjs";

export type ReduceFx = "mean" | "avg" | "sum" | "max" | "min";

export interface LogOptions {
  /** Log the value of this step. Default depends on the hook (true in `trainingStep`, false in epoch hooks). */
  onStep?: boolean;
  /** Accumulate over the epoch and log the reduction. Default depends on the hook. */
  onEpoch?: boolean;
  /** Show in `trainer.progressBarMetrics` (and the live chart's text line). */
  progBar?: boolean;
  /** Send to the loggers (default true). */
  logger?: boolean;
  /** Epoch reduction: mean (batch-size weighted), sum, max or min. Case-insensitive. */
  reduceFx?: ReduceFx | Uppercase<ReduceFx> | string;
  /** Batch size used to weight the epoch mean; inferred from the batch when omitted. */
  batchSize?: number;
}

/** What may be logged: a number, a boolean, or a one-element tensor. */
export type LogValue = number | boolean | tf.Tensor;

/** Options after defaults were applied for the current hook. */
export interface LogMeta {
  onStep: boolean;
  onEpoch: boolean;
  progBar: boolean;
  logger: boolean;
  reduceFx: ReduceFx;
}
