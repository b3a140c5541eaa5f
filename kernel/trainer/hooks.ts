/**
 * The typed hook surface shared by `LightningModule` and `Callback` (camelCase of Lightning 2.x's hooks).
 * The trainer calls hooks only through `HookCaller`, never by string lookup on user objects.
 */
import type * as tf from "@tensorflow/tfjs";

export type MaybePromise<T> = T | Promise<T>;
export type Stage = "fit" | "validate" | "test" | "predict";

/** What `onTrainBatchEnd` receives: always a dict (or `null` when the dataloader yielded `null`). */
export type StepOutputs = Record<string, unknown>;

/** Scalars read back from the device once per batch, after the `onTrainBatchEnd` hooks (see `Callback.onBatchScalars`). */
export interface BatchScalars {
  /** Numeric scalars found in `outputs`, nested dicts flattened with `/` (e.g. `batchMetrics/dLoss`). */
  outputs: Record<string, number>;
  /** Step-level logged metrics of this batch (`loggedMetrics` view). */
  logged: Record<string, number>;
  /** `progressBarMetrics` after this batch. */
  progressBar: Record<string, number>;
  globalStep: number;
  /** Batches seen so far in this fit, across epochs (the x axis when "batches" is chosen). */
  batchesSeen: number;
  epoch: number;
  batchIdx: number;
  /** `tf.memory().numTensors` after the batch's tensors were released. */
  numTensors: number;
}

/** Hook names (used for `log()` validation and error messages). */
export type HookName =
  | "setup" | "teardown" | "prepareData" | "configureCallbacks" | "configureModel" | "configureOptimizers"
  | "onFitStart" | "onFitEnd" | "onSanityCheckStart" | "onSanityCheckEnd"
  | "onTrainStart" | "onTrainEnd" | "onTrainEpochStart" | "onTrainEpochEnd"
  | "onTrainBatchStart" | "onTrainBatchEnd" | "trainingStep"
  | "onValidationStart" | "onValidationEnd" | "onValidationEpochStart" | "onValidationEpochEnd"
  | "onValidationBatchStart" | "onValidationBatchEnd" | "validationStep"
  | "onValidationModelEval" | "onValidationModelTrain" | "onValidationModelZeroGrad"
  | "onTestStart" | "onTestEnd" | "onTestEpochStart" | "onTestEpochEnd"
  | "onTestBatchStart" | "onTestBatchEnd" | "testStep"
  | "onPredictStart" | "onPredictEnd" | "onPredictEpochStart" | "onPredictEpochEnd"
  | "onPredictBatchStart" | "onPredictBatchEnd" | "predictStep"
  | "onBeforeBackward" | "backward" | "onAfterBackward" | "onBeforeOptimizerStep" | "onBeforeZeroGrad"
  | "optimizerStep" | "optimizerZeroGrad" | "configureGradientClipping" | "clipGradients" | "lrSchedulerStep"
  | "onException" | "onSaveCheckpoint" | "onLoadCheckpoint" | "stateDict" | "loadStateDict"
  | "trainDataloader" | "valDataloader" | "testDataloader" | "predictDataloader"
  | "onBatchScalars";

/** Loss handed to `onBeforeBackward`: the scalar tensor whose gradients are computed. */
export type LossTensor = tf.Scalar;
