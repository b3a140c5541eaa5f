/**
 * `LightningModule`: subclass it, put your models/layers/variables on properties, implement `trainingStep` and
 * `configureOptimizers`. The API mirrors PyTorch Lightning 2.x in camelCase; see README for the TF.js differences
 * (`manualBackward` takes the loss *function*, because TF.js keeps no autograd graph).
 */
import * as tf from "@tensorflow/tfjs";
import { variableGrads, TensorClass } from "./tf-handles";
import { MisconfigurationError, describeValue } from "./errors";
import type { LossTensor, MaybePromise, Stage, StepOutputs } from "./hooks";
import type { LightningOptimizer } from "./optim/lightning-optimizer";
import { collectVariables, isParamSource } from "./optim/parameters";
import type { LRScheduler } from "./optim/schedulers/lr-scheduler";
import type { ConfigureOptimizersResult } from "./optim/configure-optimizers";
import type { LogOptions, LogValue } from "./logging/log-options";
import { recordLog } from "./logging/log-call";
import { clipGradients, type ClipOptions } from "./optim/clip-gradients";
import { toggleOptimizer, untoggleOptimizer } from "./optim/toggle";
import type { Trainer } from "./trainer";
import type { RunContext } from "./loops/run-context";
import type { DefaultModuleHook } from "./loops/optional-hooks";
import type { Callback } from "./callback";

/**
 * What `optimizers()` returns: the wrapped optimizer when one is configured, an array when several (Lightning's
 * rule). Typed as both so `const opt = this.optimizers()` and `const [g, d] = this.optimizers()` need no casts.
 */
export type Optimizers = LightningOptimizer & LightningOptimizer[];
/** What `lrSchedulers()` returns: null, the scheduler, or an array (typed as both, like `Optimizers`). */
export type Schedulers = (LRScheduler & LRScheduler[]) | null;

const INTERNAL_KEYS = new Set(["_trainer", "_keptTensors", "automaticOptimization", "hparams", "training"]);

export abstract class LightningModule {
  /** `false` → manual optimization: you call `optimizers()`, `manualBackward`, `step`, `zeroGrad` yourself. */
  automaticOptimization = true;
  /** Hyper-parameters (saved in checkpoints and `hparams.yaml`; shown in run legends). */
  hparams: Record<string, unknown> = {};
  /** False while validation/test/predict runs (`onValidationModelEval`). */
  training = true;
  /** @internal */
  _trainer: Trainer | null = null;
  /** @internal tensors kept across batches with `keep()`, released at teardown. */
  _keptTensors = new Set<tf.Tensor>();

  // ---- hooks (override what you need; all may be async unless noted) ----
  /** Required. In automatic mode it must be synchronous (it runs inside the gradient tape). */
  trainingStep?(batch: any, batchIdx: number): unknown;
  validationStep?(batch: any, batchIdx: number, dataloaderIdx?: number): unknown;
  testStep?(batch: any, batchIdx: number, dataloaderIdx?: number): unknown;
  predictStep?(batch: any, batchIdx: number, dataloaderIdx?: number): unknown;
  configureOptimizers?(): ConfigureOptimizersResult;
  configureCallbacks?(): Callback[] | Callback | void;
  trainDataloader?(): unknown;
  valDataloader?(): unknown;
  testDataloader?(): unknown;
  predictDataloader?(): unknown;
  prepareData?(): MaybePromise<void>;
  setup?(stage: Stage): MaybePromise<void>;
  teardown?(stage: Stage): MaybePromise<void>;
  configureModel?(): MaybePromise<void>;
  onFitStart?(): MaybePromise<void>;
  onFitEnd?(): MaybePromise<void>;
  onTrainStart?(): MaybePromise<void>;
  onTrainEnd?(): MaybePromise<void>;
  onTrainEpochStart?(): MaybePromise<void>;
  onTrainEpochEnd?(): MaybePromise<void>;
  /** Return -1 to skip the rest of the epoch. */
  onTrainBatchStart?(batch: any, batchIdx: number): MaybePromise<void | number>;
  onTrainBatchEnd?(outputs: StepOutputs | null, batch: any, batchIdx: number): MaybePromise<void>;
  onValidationStart?(): MaybePromise<void>;
  onValidationEnd?(): MaybePromise<void>;
  onValidationEpochStart?(): MaybePromise<void>;
  onValidationEpochEnd?(): MaybePromise<void>;
  onValidationBatchStart?(batch: any, batchIdx: number, dataloaderIdx?: number): MaybePromise<void>;
  onValidationBatchEnd?(outputs: unknown, batch: any, batchIdx: number, dataloaderIdx?: number): MaybePromise<void>;
  onTestStart?(): MaybePromise<void>;
  onTestEnd?(): MaybePromise<void>;
  onTestEpochStart?(): MaybePromise<void>;
  onTestEpochEnd?(): MaybePromise<void>;
  onTestBatchStart?(batch: any, batchIdx: number, dataloaderIdx?: number): MaybePromise<void>;
  onTestBatchEnd?(outputs: unknown, batch: any, batchIdx: number, dataloaderIdx?: number): MaybePromise<void>;
  onPredictStart?(): MaybePromise<void>;
  onPredictEnd?(): MaybePromise<void>;
  onPredictEpochStart?(): MaybePromise<void>;
  onPredictEpochEnd?(): MaybePromise<void>;
  onPredictBatchStart?(batch: any, batchIdx: number, dataloaderIdx?: number): MaybePromise<void>;
  onPredictBatchEnd?(outputs: unknown, batch: any, batchIdx: number, dataloaderIdx?: number): MaybePromise<void>;
  /** Synchronous in manual mode (fired inside `manualBackward`). */
  onBeforeBackward?(loss: LossTensor): MaybePromise<void>;
  onAfterBackward?(): MaybePromise<void>;
  onBeforeOptimizerStep?(optimizer: LightningOptimizer): MaybePromise<void>;
  onBeforeZeroGrad?(optimizer: LightningOptimizer): MaybePromise<void>;
  onValidationModelEval?(): MaybePromise<void>;
  onValidationModelTrain?(): MaybePromise<void>;
  onValidationModelZeroGrad?(): MaybePromise<void>;
  onSaveCheckpoint?(checkpoint: Record<string, unknown>): MaybePromise<void>;
  onLoadCheckpoint?(checkpoint: Record<string, unknown>): MaybePromise<void>;
  onBeforeBatchTransfer?(batch: any, dataloaderIdx: number): any;
  transferBatchToDevice?(batch: any, device: string, dataloaderIdx: number): any;
  onAfterBatchTransfer?(batch: any, dataloaderIdx: number): any;

  /** Called by `manualBackward` and automatic backward after `onBeforeBackward` (the gradients are added after it). */
  backward(_loss: LossTensor): void {}

  /** @internal Whether `hook` still has LightningModule's own body (the loops then skip or call it directly). */
  _keepsDefault(hook: DefaultModuleHook): boolean {
    return this[hook] === LightningModule.prototype[hook];
  }

  /** Automatic mode: performs the optimizer step; override to customise. Must call `optimizer.step(closure)`. */
  optimizerStep(_epoch: number, _batchIdx: number, optimizer: LightningOptimizer, closure: () => unknown): MaybePromise<unknown> {
    return optimizer.step(closure);
  }

  /** Automatic mode: zeroes the gradients. */
  optimizerZeroGrad(_epoch: number, _batchIdx: number, optimizer: LightningOptimizer): void {
    optimizer.zeroGrad();
  }

  /** Automatic mode: called with the Trainer's clipping settings before each step. */
  configureGradientClipping(optimizer: LightningOptimizer, gradientClipVal?: number | null, gradientClipAlgorithm?: string | null): void {
    this.clipGradients(optimizer, { gradientClipVal, gradientClipAlgorithm });
  }

  /** Automatic mode: steps one scheduler (`metric` for ReduceLROnPlateau). */
  lrSchedulerStep(scheduler: LRScheduler, metric?: number | null): void {
    if (metric === undefined || metric === null) scheduler.step();
    else scheduler.step(metric);
  }

  // ---- state ----
  /** The Trainer running this module; throws when none is attached. */
  get trainer(): Trainer {
    if (!this._trainer) {
      throw new MisconfigurationError(`${this.constructor.name} is not attached to a \`Trainer\`. Pass it to trainer.fit(module, ...) first.`);
    }
    return this._trainer;
  }

  get globalStep(): number {
    return this._trainer?.globalStep ?? 0;
  }

  get currentEpoch(): number {
    return this._trainer?.currentEpoch ?? 0;
  }

  /** Stores hyper-parameters (plain JSON values) for checkpoints, loggers and run legends. */
  saveHyperparameters(hparams: Record<string, unknown>): void {
    this.hparams = { ...this.hparams, ...hparams };
  }

  /** Every variable (trainable or frozen) reachable from this module's own properties. */
  allVariables(): tf.Variable[] {
    const out: tf.Variable[] = [];
    for (const [key, value] of Object.entries(this)) {
      if (INTERNAL_KEYS.has(key)) continue;
      if (value instanceof LightningModule) {
        for (const v of value.allVariables()) if (!out.includes(v)) out.push(v);
      } else {
        collectVariables(value, out, new Set([this]));
      }
    }
    return out;
  }

  /** The trainable variables (PyTorch's `parameters()` with `requires_grad`). */
  parameters(): tf.Variable[] {
    return this.allVariables().filter((v) => v.trainable);
  }

  // ---- optimization API ----
  /** @internal */
  _ctx(what: string): RunContext {
    const ctx = this._trainer?._runContext;
    if (!ctx) {
      throw new MisconfigurationError(
        `${what} was called before the Trainer attached optimizers to ${this.constructor.name}. ` +
          "Call it from a hook (e.g. trainingStep) while trainer.fit() runs.",
      );
    }
    return ctx;
  }

  /** The wrapped optimizer (one configured) or an array of them (several), in `configureOptimizers` order. */
  optimizers(opts?: { usePlOptimizer?: true }): Optimizers;
  optimizers(opts: { usePlOptimizer: false }): tf.Optimizer & tf.Optimizer[];
  optimizers(opts: { usePlOptimizer?: boolean } = {}): unknown {
    const ctx = this._ctx("optimizers()");
    if (ctx.optimizers.length === 0) {
      throw new MisconfigurationError("optimizers() was called before configureOptimizers ran; call it from trainingStep or later hooks.");
    }
    const list = opts.usePlOptimizer === false ? ctx.optimizers.map((o) => o.optimizer) : ctx.optimizers;
    return list.length === 1 ? list[0] : list;
  }

  /** null with no scheduler, the scheduler with one, an array with several. */
  lrSchedulers(): Schedulers {
    const ctx = this._ctx("lrSchedulers()");
    const list = ctx.schedulers.map((s) => s.scheduler);
    if (list.length === 0) return null;
    return (list.length === 1 ? list[0] : list) as Schedulers;
  }

  /**
   * Computes the gradients of `lossFn()` for the trainable variables (those of the toggled optimizer when one is
   * toggled) and ADDS them to the gradient buffers (they accumulate until `zeroGrad()`, like `.grad` in PyTorch).
   * Fires `onBeforeBackward(loss)`, `backward(loss)`, `onAfterBackward()`. Returns the loss.
   */
  manualBackward(lossFn: () => tf.Scalar | tf.Tensor): tf.Scalar {
    if (this.automaticOptimization) {
      throw new MisconfigurationError(
        "to use manual_backward, please disable automatic optimization: set this.automaticOptimization = false in the constructor.",
      );
    }
    if (typeof lossFn !== "function") {
      throw new TypeError(
        `manualBackward expects a function that computes the loss, got ${describeValue(lossFn)}. TF.js keeps no autograd ` +
          "graph, so the loss must be recomputed under a gradient tape: write this.manualBackward(() => lossOf(batch)) " +
          "instead of this.manualBackward(loss).",
      );
    }
    const ctx = this._ctx("manualBackward()");
    const vars = ctx.variables().filter((v) => v.trainable);
    if (vars.length === 0) {
      throw new MisconfigurationError(
        "manualBackward: no trainable variable to differentiate (all are frozen or the toggled optimizer has none). " +
          "Check toggleOptimizer/untoggleOptimizer pairs and variable.trainable flags.",
      );
    }
    let result: { value: tf.Scalar; grads: Record<string, tf.Tensor | null> };
    try {
      result = variableGrads(() => {
        const loss = lossFn();
        if (!(loss instanceof TensorClass)) {
          throw new TypeError(`manualBackward: the loss function returned ${describeValue(loss)}; it must return a scalar tf.Tensor.`);
        }
        if (loss.rank !== 0) {
          throw new TypeError(`manualBackward: the loss function returned a tensor of shape [${loss.shape.join(", ")}]; it must return a scalar (use tf.mean).`);
        }
        return loss as tf.Scalar;
      }, vars) as { value: tf.Scalar; grads: Record<string, tf.Tensor | null> };
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      if (msg.startsWith("Cannot find a connection")) {
        throw new MisconfigurationError(
          "manualBackward: the loss does not depend on any trainable variable of this module" +
            (ctx.toggleRecord ? " that the toggled optimizer owns" : "") +
            ". Compute the loss from the models' outputs inside the function you pass (e.g. () => tf.losses.meanSquaredError(y, this.model.apply(x))).",
        );
      }
      throw e;
    }
    ctx.anomaly?.check(`manualBackward (called from ${ctx.hooks.current ?? "outside a hook"})`, result.value, result.grads);
    const optional = ctx.optional;
    if (optional.onBeforeBackward) ctx.hooks.bothSync("onBeforeBackward", [result.value]);
    if (optional.backward) ctx.hooks.moduleHookSync("backward", [result.value]);
    ctx.grads.accumulate(result.grads);
    if (optional.onAfterBackward) ctx.hooks.bothSync("onAfterBackward", []);
    return result.value;
  }

  /** Freezes the variables of every other optimizer so only `optimizer`'s variables get gradients (Lightning §3.5). */
  toggleOptimizer(optimizer: LightningOptimizer | tf.Optimizer): void {
    toggleOptimizer(this._ctx("toggleOptimizer()"), optimizer);
  }

  /** Restores the trainable flags changed by `toggleOptimizer`. */
  untoggleOptimizer(optimizer: LightningOptimizer | tf.Optimizer): void {
    untoggleOptimizer(this._ctx("untoggleOptimizer()"), optimizer);
  }

  /** Toggles `optimizer` around `fn`, restoring the flags even if `fn` throws. */
  toggledOptimizer<T>(optimizer: LightningOptimizer | tf.Optimizer, fn: () => T): T {
    this.toggleOptimizer(optimizer);
    let async = false;
    try {
      const r = fn();
      if (r instanceof Promise) {
        async = true;
        return r.finally(() => this.untoggleOptimizer(optimizer)) as unknown as T;
      }
      return r;
    } finally {
      if (!async) this.untoggleOptimizer(optimizer);
    }
  }

  /** Clips the buffered gradients of `optimizer`'s variables by value or by global norm. */
  clipGradients(optimizer: LightningOptimizer, opts: ClipOptions = {}): void {
    const ctx = this._ctx("clipGradients()");
    clipGradients(ctx, optimizer, opts, this.trainer.gradientClipVal, this.trainer.gradientClipAlgorithm);
  }

  // ---- logging ----
  /** Logs a scalar (Lightning's `self.log`); see LogOptions for per-hook defaults. */
  log(name: string, value: LogValue, options?: LogOptions): void {
    const trainer = this._trainer;
    const ctx = trainer?._runContext;
    if (!trainer || !ctx) {
      process.emitWarning(
        `You are trying to \`self.log("${name}")\` but the loop's result collection is not registered yet: ` +
          `${this.constructor.name} is not attached to a running Trainer. Nothing was logged.`,
      );
      return;
    }
    recordLog(ctx, name, value, options);
  }

  /** Logs every entry of `values` with the same options. */
  logDict(values: Record<string, LogValue>, options?: LogOptions): void {
    if (typeof values !== "object" || values === null || Array.isArray(values) || values instanceof tf.Tensor) {
      throw new TypeError(`logDict expects an object of scalars, got ${describeValue(values)}.`);
    }
    for (const [k, v] of Object.entries(values)) this.log(k, v, options);
  }

  /** Shows an image batch (`[N,H,W]` or `[N,H,W,1|3]`, values in [0,1] or [-1,1]) as a live grid under the chart. */
  logImages(name: string, images: tf.Tensor): void {
    if (!(images instanceof tf.Tensor) || !(images.rank === 3 || (images.rank === 4 && [1, 3].includes(images.shape[3]!)))) {
      throw new TypeError(
        `logImages("${name}", t): t must be a tensor shaped [N,H,W] or [N,H,W,1|3], got ${images instanceof tf.Tensor ? `shape [${images.shape.join(", ")}]` : describeValue(images)}.`,
      );
    }
    const ctx = this._trainer?._runContext;
    if (!ctx) return;
    ctx.images[name] = images;
  }

  /** Keeps a tensor alive across batches (tensors made during a batch are released after it); freed at teardown. */
  keep<T extends tf.Tensor>(t: T): T {
    tf.keep(t);
    this._keptTensors.add(t);
    return t;
  }

  /** Releases a tensor kept with `keep()`. */
  release(t: tf.Tensor): void {
    if (this._keptTensors.delete(t)) t.dispose();
  }

  /** @internal the module's own property values that hold parameters (for summaries). */
  _paramProperties(): [string, unknown][] {
    return Object.entries(this).filter(([k, v]) => !INTERNAL_KEYS.has(k) && (isParamSource(v) || v instanceof LightningModule));
  }
}
