/**
 * `Callback`: Lightning's callback API. Every hook receives `(trainer, module, ...hookArgs)`, may be async,
 * and runs before the module's hook of the same name. Subclass and override what you need.
 */
import type * as tf from "@tensorflow/tfjs";
import type { Trainer } from "./trainer";
import type { LightningModule } from "./module";
import type { BatchScalars, LossTensor, MaybePromise, Stage, StepOutputs } from "./hooks";
import type { LightningOptimizer } from "./optim/lightning-optimizer";
import type { LogOptions, LogValue } from "./logging/log-options";

type T = Trainer;
type M = LightningModule;
type R = MaybePromise<void>;

export class Callback {
  /**
   * Monitoring callbacks (EarlyStopping, ModelCheckpoint) run their `onTrainEpochEnd` *after* the module's,
   * so they see what the module logged there (Lightning #16567).
   */
  readonly isMonitoring: boolean = false;

  /** Key used for `stateDict` in checkpoints; defaults to the class name. */
  get stateKey(): string {
    return this.constructor.name;
  }

  setup(_trainer: T, _module: M, _stage: Stage): R {}
  teardown(_trainer: T, _module: M, _stage: Stage): R {}
  onFitStart(_trainer: T, _module: M): R {}
  onFitEnd(_trainer: T, _module: M): R {}
  onSanityCheckStart(_trainer: T, _module: M): R {}
  onSanityCheckEnd(_trainer: T, _module: M): R {}
  onTrainStart(_trainer: T, _module: M): R {}
  onTrainEnd(_trainer: T, _module: M): R {}
  onTrainEpochStart(_trainer: T, _module: M): R {}
  onTrainEpochEnd(_trainer: T, _module: M): R {}
  onTrainBatchStart(_trainer: T, _module: M, _batch: any, _batchIdx: number): R {}
  onTrainBatchEnd(_trainer: T, _module: M, _outputs: StepOutputs | null, _batch: any, _batchIdx: number): R {}
  onValidationStart(_trainer: T, _module: M): R {}
  onValidationEnd(_trainer: T, _module: M): R {}
  onValidationEpochStart(_trainer: T, _module: M): R {}
  onValidationEpochEnd(_trainer: T, _module: M): R {}
  onValidationBatchStart(_trainer: T, _module: M, _batch: any, _batchIdx: number, _dataloaderIdx?: number): R {}
  onValidationBatchEnd(_trainer: T, _module: M, _outputs: unknown, _batch: any, _batchIdx: number, _dataloaderIdx?: number): R {}
  onTestStart(_trainer: T, _module: M): R {}
  onTestEnd(_trainer: T, _module: M): R {}
  onTestEpochStart(_trainer: T, _module: M): R {}
  onTestEpochEnd(_trainer: T, _module: M): R {}
  onTestBatchStart(_trainer: T, _module: M, _batch: any, _batchIdx: number, _dataloaderIdx?: number): R {}
  onTestBatchEnd(_trainer: T, _module: M, _outputs: unknown, _batch: any, _batchIdx: number, _dataloaderIdx?: number): R {}
  onPredictStart(_trainer: T, _module: M): R {}
  onPredictEnd(_trainer: T, _module: M): R {}
  onPredictEpochStart(_trainer: T, _module: M): R {}
  onPredictEpochEnd(_trainer: T, _module: M): R {}
  onPredictBatchStart(_trainer: T, _module: M, _batch: any, _batchIdx: number, _dataloaderIdx?: number): R {}
  onPredictBatchEnd(_trainer: T, _module: M, _outputs: unknown, _batch: any, _batchIdx: number, _dataloaderIdx?: number): R {}
  onBeforeBackward(_trainer: T, _module: M, _loss: LossTensor): R {}
  onAfterBackward(_trainer: T, _module: M): R {}
  onBeforeOptimizerStep(_trainer: T, _module: M, _optimizer: LightningOptimizer): R {}
  onBeforeZeroGrad(_trainer: T, _module: M, _optimizer: LightningOptimizer): R {}
  /** Called once with the original error when fit/validate/test/predict fails or is interrupted. */
  onException(_trainer: T, _module: M, _error: unknown): R {}
  onSaveCheckpoint(_trainer: T, _module: M, _checkpoint: Record<string, unknown>): R {}
  onLoadCheckpoint(_trainer: T, _module: M, _checkpoint: Record<string, unknown>): R {}
  stateDict(): Record<string, unknown> {
    return {};
  }
  loadStateDict(_state: Record<string, unknown>): void {}

  /**
   * Not a Lightning hook: the scalars of this batch, read from the device in the trainer's single per-batch
   * readback (after `onTrainBatchEnd`, before `outputs` are released). Displays and dashboards use this so that
   * nobody reads tensors synchronously. Only computed when some callback overrides it.
   */
  onBatchScalars(_trainer: T, _module: M, _scalars: BatchScalars): R {}

  /**
   * Not a Lightning hook: image batches of this training batch — values in `outputs` shaped `[N,H,W]` or
   * `[N,H,W,1|3]`, and tensors passed to `module.logImages(name, t)`. The tensors are valid only until this hook's
   * promise settles (they are released with the batch); read them with `await t.data()` if you need the pixels.
   * Only called when some callback overrides it and there are images.
   */
  onBatchImages(_trainer: T, _module: M, _images: Record<string, tf.Tensor>, _info: { globalStep: number; batchIdx: number }): R {}

  /** Set by the trainer at the start of every run: logs into the module's results under the current hook. */
  log(name: string, value: LogValue, options?: LogOptions): void {
    this._attachedModule?.log(name, value, options);
  }
  logDict(values: Record<string, LogValue>, options?: LogOptions): void {
    this._attachedModule?.logDict(values, options);
  }
  /** @internal */
  _attachedModule: M | null = null;
}

/** True when `cb` overrides `hook` (so the trainer can skip work nobody listens to). */
export function overrides(cb: object, hook: keyof Callback): boolean {
  return (cb as any)[hook] !== (Callback.prototype as any)[hook];
}
