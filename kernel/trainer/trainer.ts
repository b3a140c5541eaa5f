/**
 * `Trainer`: runs a LightningModule's fit/validate/test/predict with Lightning 2.x's semantics. It knows no screen,
 * server or kernel: displays, loggers and dashboards are callbacks and loggers it calls (see `registerDefaultCallbacks`).
 */
import * as tf from "@tensorflow/tfjs";
import { Callback } from "./callback";
import { MisconfigurationError, NotImplementedError, TrainingInterrupted, describeValue } from "./errors";
import type { HookObserver } from "./hook-caller";
import type { Stage } from "./hooks";
import type { Logger } from "./logger";
import { LightningModule } from "./module";
import { normalizeOptimizers, type SchedulerConfig } from "./optim/configure-optimizers";
import type { MetricViews } from "./logging/result-collection";
import { LightningDataModule } from "./data/data-module";
import { limitBatches, toBatchSource, type BatchSource } from "./loops/batch-source";
import { runEvaluation, type EvalKind } from "./loops/evaluation-loop";
import { runTrainingEpochs, type FitData } from "./loops/fit-loop";
import { LeakDetector } from "./loops/leak-detector";
import { RunContext } from "./loops/run-context";
import { AnomalyGuard } from "./loops/anomaly-guard";
import { namedVariables } from "./checkpoint/named-variables";
import { registerRunning } from "./interrupt";
import { CSVLogger } from "./loggers/csv-logger";
import { ModelCheckpoint } from "./callbacks/model-checkpoint";
import { EarlyStopping } from "./callbacks/early-stopping";
import { ModelSummary } from "./callbacks/model-summary";
import { restoreFromCheckpoint, saveCheckpoint } from "./checkpoint";
import { ensureBackend } from "../backend/select";
import { backendLabel } from "../backend/report";
import { registerWasmTuning } from "../backend/wasm/register";
import { validateTrainerOptions, type TrainerOptions } from "./trainer-options";
import type { LightningOptimizer } from "./optim/lightning-optimizer";

export type TrainerStatus = "initializing" | "running" | "finished" | "interrupted";
export type TrainerFn = "fit" | "validate" | "test" | "predict";
export interface TrainerState {
  fn: TrainerFn | null;
  status: TrainerStatus;
  stage: "train" | "sanity_check" | "validate" | "test" | "predict" | null;
}

export type FitDataArg = unknown | { datamodule: LightningDataModule } | LightningDataModule;

type CallbackFactory = (trainer: Trainer) => Callback[];

const defaultCallbackFactories: CallbackFactory[] = [];

export class Trainer {
  /** Adds callbacks to every Trainer (the display layer uses this; the trainer itself knows no screen). */
  static registerDefaultCallbacks(factory: CallbackFactory): void {
    defaultCallbackFactories.push(factory);
  }

  readonly options: TrainerOptions;
  maxEpochs: number | null;
  minEpochs: number | null;
  maxSteps: number;
  minSteps: number | null;
  readonly limitTrainBatches: number | null;
  readonly limitValBatches: number | null;
  readonly limitTestBatches: number | null;
  readonly limitPredictBatches: number | null;
  readonly valCheckInterval: number;
  readonly checkValEveryNEpoch: number | null;
  numSanityValSteps: number;
  readonly logEveryNSteps: number;
  /** Batches per fast dev run (0 = off). */
  readonly fastDevRun: number;
  readonly accumulateGradBatches: number;
  readonly gradientClipVal: number | null;
  readonly gradientClipAlgorithm: "norm" | "value" | null;
  readonly defaultRootDir: string;
  readonly enableCheckpointing: boolean;
  readonly enableProgressBar: boolean;
  callbacks: Callback[];
  readonly loggers: Logger[];
  /** Observers of every hook call (HookTrace uses this). */
  readonly hookObservers: HookObserver[] = [];

  state: TrainerState = { fn: null, status: "initializing", stage: null };
  shouldStop = false;
  sanityChecking = false;
  training = false;
  validating = false;
  testing = false;
  predicting = false;
  currentEpoch = 0;
  /** Batches processed in training so far (all epochs and fits); unlike `globalStep` it ignores optimizer counts. */
  batchesSeen = 0;
  /** Index of the batch being processed within the epoch. */
  batchIdx = 0;
  isLastBatch = false;
  numTrainingBatches = Infinity;
  numValBatches: number[] = [];
  /** Name of the tfjs backend used by the last run ("wasm", "webgpu", "cpu", "tensorflow"). */
  backend = "";
  /** The backend with its details, e.g. "wasm (tuned)" or "webgpu (nvidia discrete-gpu …)"; shown by displays. */
  backendLabel = "";
  lightningModule: LightningModule | null = null;
  datamodule: LightningDataModule | null = null;

  /** @internal */ _runContext: RunContext | null = null;
  /** @internal */ _resumeBatch = 0;
  /** @internal */ _batchesThatStepped = 0;
  /** @internal The current batch stepped; `_batchesThatStepped` advances after its validation (Lightning's order). */
  _pendingStepped = false;
  /** @internal */ _leaks: LeakDetector | null = null;
  private _globalStep = 0;
  private interruptReason: string | null = null;
  /** @internal loggedMetrics, callbackMetrics and progressBarMetrics (a batch's step metrics may be written straight in). */
  readonly _metricDicts: MetricViews = { log: {}, callback: {}, pbar: {} };
  private readonly warned = new Set<string>();
  private configured: { module: LightningModule; optimizers: LightningOptimizer[]; schedulers: SchedulerConfig[] } | null = null;

  constructor(options?: TrainerOptions) {
    const o = validateTrainerOptions(options);
    this.options = o;
    this.fastDevRun = o.fastDevRun === true ? 1 : typeof o.fastDevRun === "number" ? o.fastDevRun : 0;
    this.maxSteps = o.maxSteps ?? -1;
    this.maxEpochs = o.maxEpochs ?? null;
    this.minEpochs = o.minEpochs ?? null;
    this.minSteps = o.minSteps ?? null;
    this.limitTrainBatches = o.limitTrainBatches ?? null;
    this.limitValBatches = o.limitValBatches ?? null;
    this.limitTestBatches = o.limitTestBatches ?? null;
    this.limitPredictBatches = o.limitPredictBatches ?? null;
    this.valCheckInterval = o.valCheckInterval ?? 1.0;
    this.checkValEveryNEpoch = o.checkValEveryNEpoch === undefined ? 1 : o.checkValEveryNEpoch;
    this.numSanityValSteps = o.numSanityValSteps ?? 2;
    this.logEveryNSteps = o.logEveryNSteps ?? 50;
    this.accumulateGradBatches = o.accumulateGradBatches ?? 1;
    this.gradientClipVal = o.gradientClipVal ?? null;
    this.gradientClipAlgorithm = o.gradientClipAlgorithm ?? null;
    this.defaultRootDir = o.defaultRootDir ?? process.cwd();
    this.enableCheckpointing = o.enableCheckpointing ?? true;
    this.enableProgressBar = o.enableProgressBar ?? true;
    if (this.fastDevRun > 0) {
      this.maxSteps = this.fastDevRun;
      this.maxEpochs = 1;
      this.numSanityValSteps = 0;
    }
    const cbs = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
    for (const cb of cbs) {
      if (!(cb instanceof Callback)) {
        throw new TypeError(`new Trainer({ callbacks }): every callback must extend Callback, got ${describeValue(cb)}.`);
      }
    }
    this.callbacks = [...cbs, ...this.builtinCallbacks(cbs)];
    for (const factory of defaultCallbackFactories) this.callbacks.push(...factory(this));
    // Lightning runs checkpoint callbacks last, so they see what every other callback did in the same hook.
    this.callbacks.sort((a, b) => Number(a instanceof ModelCheckpoint) - Number(b instanceof ModelCheckpoint));
    // fastDevRun replaces the loggers (Lightning's DummyLogger): nothing is written.
    this.loggers = this.fastDevRun > 0 ? [] : this.resolveLoggers(o.logger);
  }

  // ---- public state ----
  get globalStep(): number {
    return this._globalStep;
  }
  get interrupted(): boolean {
    return this.state.status === "interrupted";
  }
  get callbackMetrics(): Record<string, number> {
    return { ...this._metricDicts.callback };
  }
  get loggedMetrics(): Record<string, number> {
    return { ...this._metricDicts.log };
  }
  get progressBarMetrics(): Record<string, number> {
    return { ...this._metricDicts.pbar };
  }
  /** The raw tf optimizers of the current/last fit. */
  get optimizers(): tf.Optimizer[] {
    return this.configured?.optimizers.map((o) => o.optimizer) ?? [];
  }
  get lrSchedulerConfigs(): SchedulerConfig[] {
    return this.configured?.schedulers ?? [];
  }
  get logger(): Logger | null {
    return this.loggers[0] ?? null;
  }

  /** Stops the running fit at the next batch boundary; it resolves with `interrupted === true` and can be resumed. */
  requestStop(reason = "trainer.requestStop() was called"): void {
    this.interrupt(reason);
  }

  /** @internal (Interruptible) */
  interrupt(reason?: string): void {
    this.interruptReason = reason ?? "interrupted";
  }

  // ---- entry points ----
  async fit(module: LightningModule, trainData?: FitDataArg, valData?: unknown, opts: { ckptPath?: string } = {}): Promise<void> {
    await this.run("fit", module, async (ctx) => this.fitBody(ctx, module, trainData, valData, opts));
  }

  async validate(module: LightningModule, data?: FitDataArg): Promise<Record<string, number>[]> {
    await this.run("validate", module, (ctx) => this.evalBody(ctx, module, "validation", data));
    return [this.callbackMetrics];
  }

  async test(module: LightningModule, data?: FitDataArg): Promise<Record<string, number>[]> {
    await this.run("test", module, (ctx) => this.evalBody(ctx, module, "test", data));
    return [this.callbackMetrics];
  }

  /** Returns the `predictStep` outputs (their tensors are yours to dispose). */
  async predict(module: LightningModule, data?: FitDataArg): Promise<unknown[]> {
    let out: unknown[] = [];
    await this.run("predict", module, async (ctx) => {
      out = await this.evalBody(ctx, module, "predict", data);
    });
    return out;
  }

  // ---- run orchestration ----
  private async run(fn: TrainerFn, module: LightningModule, body: (ctx: RunContext) => Promise<unknown>): Promise<void> {
    if (!(module instanceof LightningModule)) {
      throw new TypeError(`trainer.${fn}(module): module must extend LightningModule, got ${describeValue(module)}.`);
    }
    if (this._runContext) {
      throw new MisconfigurationError(`trainer.${fn}() was called while another run of this Trainer is active; await it first.`);
    }
    ({ name: this.backend, label: this.backendLabel } = await resolveBackend());
    this.state = { fn, status: "running", stage: null };
    this.interruptReason = null;
    this.shouldStop = false;
    this.lightningModule = module;
    module._trainer = this;
    this.resetMetrics();
    const ctx = new RunContext(this, module, () => this.callbacks, this.hookObservers, module.automaticOptimization);
    if (this.options.detectAnomaly) {
      const names = new Map(namedVariables(module).map((nv) => [nv.variable.name, nv.name]));
      ctx.anomaly = new AnomalyGuard((n) => names.get(n) ?? n);
    }
    this._runContext = ctx;
    for (const cb of this.callbacks) cb._attachedModule = module;
    const unregister = registerRunning(this);
    if (this.options.detectLeaks !== false) {
      this._leaks = new LeakDetector(
        () => ctx.hooks.current,
        () => module._keptTensors.size + ctx.grads.size,
        (t) => module._keptTensors.has(t),
        (m) => this._warnOnce(m),
      );
    }
    try {
      await body(ctx);
      this.state = { fn, status: "finished", stage: null };
      for (const l of this.loggers) await l.finalize?.("success");
    } catch (error) {
      await this.handleException(ctx, error);
      if (!(error instanceof TrainingInterrupted)) throw error;
    } finally {
      this.training = this.validating = this.testing = this.predicting = this.sanityChecking = false;
      if (ctx.toggleRecord) for (const [v, flag] of ctx.toggleRecord) v.trainable = flag;
      this._leaks?.dispose();
      this._leaks = null;
      ctx.dispose();
      this._runContext = null;
      unregister();
    }
  }

  private async handleException(ctx: RunContext, error: unknown): Promise<void> {
    this.state = { ...this.state, status: "interrupted" };
    ctx.trainResults.discardPending();
    ctx.evalResults.discardPending();
    for (const cb of this.callbacks) {
      try {
        await cb.onException(this, ctx.module, error);
      } catch (e) {
        this._warnOnce(`${cb.constructor.name}.onException threw while handling an error: ${(e as Error)?.message ?? e}`);
      }
    }
    await this.datamodule?.onException?.(error);
    for (const l of this.loggers) {
      try {
        await l.finalize?.("failed");
      } catch {
        /* keep the original error */
      }
    }
    this.state = { ...this.state, stage: null };
  }

  private async fitBody(ctx: RunContext, module: LightningModule, trainData: FitDataArg, valData: unknown, opts: { ckptPath?: string }): Promise<void> {
    const hooks = ctx.hooks;
    this.datamodule = datamoduleOf(trainData);
    await this.configureCallbacks(ctx, module);
    this.verifyConfig(module, "fit");
    await this.datamodule?.prepareData?.();
    await hooks.moduleHook("prepareData", []);
    await this.setupHooks(ctx, "fit");
    await hooks.moduleHook("configureModel", []);
    await this.configureOptimizers(ctx, module);
    if (this.maxEpochs === null) {
      if (this.maxSteps === -1) {
        this._warnOnce("`max_epochs` was not set. Setting it to 1000 epochs. To train without an epoch limit, set `maxEpochs: -1`.");
        this.maxEpochs = 1000;
      } else {
        this.maxEpochs = -1;
      }
    }
    if (opts.ckptPath) {
      await restoreFromCheckpoint(this, module, opts.ckptPath);
      this.ckptPath = opts.ckptPath;
    }
    for (const l of this.loggers) await l.logHyperparams?.(module.hparams);
    await hooks.both("onFitStart", []);
    // Lightning's order (§2.3): valDataloader inside the sanity check, after onSanityCheckStart; trainDataloader after it.
    const loadVal = () => this.fitValData(ctx, valData);
    const sanity = this.valDefined(ctx, valData) && this.numSanityValSteps !== 0;
    const data = await this.fitData(ctx, trainData, sanity ? await this.sanityCheck(ctx, loadVal) : await loadVal());
    const skip = data.numTrainBatches === 0 || this.limitTrainBatches === 0 ||
      (this.maxEpochs !== -1 && this.currentEpoch >= this.maxEpochs!) || (this.maxSteps !== -1 && this.globalStep >= this.maxSteps);
    if (!skip) {
      this.training = true;
      this.state.stage = "train";
      if (this.loggers.length > 0 && this.fastDevRun === 0 && data.numTrainBatches < this.logEveryNSteps) {
        this._warnOnce(`The number of training batches (${data.numTrainBatches}) is smaller than the logging interval ` +
          `Trainer(log_every_n_steps=${this.logEveryNSteps}). Set a lower value for logEveryNSteps if you want to see logs for the training epoch.`);
      }
      await hooks.both("onTrainStart", []);
      await ctx.trainResults.flush();
      await runTrainingEpochs(this, ctx, data);
      await hooks.both("onTrainEnd", []);
      this.training = false;
    }
    await hooks.both("onFitEnd", []);
    await this.teardownHooks(ctx, "fit");
  }

  private async evalBody(ctx: RunContext, module: LightningModule, kind: EvalKind, data: FitDataArg): Promise<unknown[]> {
    this.datamodule = datamoduleOf(data);
    const stage: Stage = kind === "validation" ? "validate" : kind;
    await this.configureCallbacks(ctx, module);
    this.verifyConfig(module, stage);
    await this.datamodule?.prepareData?.();
    await ctx.hooks.moduleHook("prepareData", []);
    await this.setupHooks(ctx, stage);
    await ctx.hooks.moduleHook("configureModel", []);
    const hookName = kind === "validation" ? "valDataloader" : `${kind}Dataloader`;
    const raw = data !== undefined && !(data instanceof LightningDataModule) && !isDatamoduleArg(data)
      ? data : await this.dataFromHooks(ctx, hookName);
    if (raw === undefined || raw === null) {
      throw new MisconfigurationError(`trainer.${stage}() needs data: pass a DataLoader or define ${hookName}() on the module or datamodule.`);
    }
    const source = toBatchSource(raw, `${stage} data`);
    const limitOpt = { validation: this.limitValBatches, test: this.limitTestBatches, predict: this.limitPredictBatches }[kind];
    let limit = limitBatches(source.length, limitOpt, `limit_${kind === "validation" ? "val" : kind}_batches`);
    if (this.fastDevRun > 0) limit = Math.min(limit, this.fastDevRun);
    this.state.stage = stage === "validate" ? "validate" : stage;
    if (kind === "validation") this.validating = true;
    if (kind === "test") this.testing = true;
    if (kind === "predict") this.predicting = true;
    const out = await runEvaluation(this, ctx, kind, source, limit);
    await this.teardownHooks(ctx, stage);
    return out;
  }

  private async configureCallbacks(ctx: RunContext, module: LightningModule): Promise<void> {
    const extra = await ctx.hooks.moduleHook<Callback[] | Callback | void>("configureCallbacks", []);
    if (!extra) return;
    const list = Array.isArray(extra) ? extra : [extra];
    // Lightning: callbacks from configureCallbacks replace Trainer callbacks of the same type.
    const types = new Set(list.map((c) => c.constructor));
    this.callbacks = [...this.callbacks.filter((c) => !types.has(c.constructor)), ...list];
    for (const cb of list) cb._attachedModule = module;
  }

  /** Configuration checks that run before prepareData (Lightning's configuration validator). */
  private verifyConfig(module: LightningModule, stage: Stage): void {
    for (const legacy of ["trainingEpochEnd", "validationEpochEnd", "testEpochEnd"]) {
      if (typeof (module as any)[legacy] === "function") {
        const py = legacy.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        const repl = ({ trainingEpochEnd: "onTrainEpochEnd", validationEpochEnd: "onValidationEpochEnd", testEpochEnd: "onTestEpochEnd" } as Record<string, string>)[legacy];
        throw new NotImplementedError(
          `Support for \`${py}\` has been removed in v2.0.0. \`${module.constructor.name || "LightningModule"}\` implements ${legacy}; ` +
            `migrate to \`${repl}()\` and keep the outputs you need as a module attribute (or this.keep(t) ` +
            "for tensors), or aggregate scalars with this.log(name, value, {onEpoch: true}).",
        );
      }
    }
    if (stage !== "fit") return;
    if (typeof module.trainingStep !== "function") {
      throw new MisconfigurationError(`No \`trainingStep()\` method defined on ${module.constructor.name}. trainer.fit() requires one.`);
    }
    if (!module.automaticOptimization) {
      if (this.gradientClipVal !== null && this.gradientClipVal > 0) {
        throw new MisconfigurationError(
          `Automatic gradient clipping is not supported for manual optimization. Remove \`Trainer({ gradientClipVal: ${this.gradientClipVal} })\` ` +
            "and call this.clipGradients(opt, { gradientClipVal, gradientClipAlgorithm }) between manualBackward and opt.step().",
        );
      }
      if (this.accumulateGradBatches !== 1) {
        throw new MisconfigurationError(
          `Automatic gradient accumulation is not supported for manual optimization. Remove \`Trainer({ accumulateGradBatches: ${this.accumulateGradBatches} })\` ` +
            "and accumulate by hand: call manualBackward every batch and opt.step()/opt.zeroGrad() every N batches.",
        );
      }
    }
  }

  private async setupHooks(ctx: RunContext, stage: Stage): Promise<void> {
    await this.datamodule?.setup?.(stage);
    await ctx.hooks.both("setup", [stage]);
  }

  private async teardownHooks(ctx: RunContext, stage: Stage): Promise<void> {
    await this.datamodule?.teardown?.(stage);
    await ctx.hooks.both("teardown", [stage]);
    for (const t of ctx.module._keptTensors) t.dispose();
    ctx.module._keptTensors.clear();
  }

  private async configureOptimizers(ctx: RunContext, module: LightningModule): Promise<void> {
    const resume = this.configured?.module === module && this.configured.optimizers.length > 0;
    if (resume) {
      // Continuing a fit on the same module keeps the optimizers' state (Adam moments) instead of re-creating them.
      ctx.optimizers = this.configured!.optimizers;
      ctx.schedulers = this.configured!.schedulers;
    } else {
      if (typeof module.configureOptimizers !== "function") {
        throw new MisconfigurationError(`${module.constructor.name} has no configureOptimizers(); define it to return a tf.Optimizer.`);
      }
      const result = await ctx.hooks.moduleHook("configureOptimizers", []);
      const norm = normalizeOptimizers(result, () => ctx.variables(), !module.automaticOptimization, (m) => this._warnOnce(m));
      ctx.optimizers = norm.optimizers;
      ctx.schedulers = norm.schedulers;
      this.configured = { module, optimizers: norm.optimizers, schedulers: norm.schedulers };
    }
    if (module.automaticOptimization && ctx.optimizers.length > 1) {
      throw new MisconfigurationError(
        "Training with multiple optimizers is only supported with manual optimization. Set `this.automaticOptimization = false` " +
          "in the constructor and step each optimizer yourself in trainingStep.",
      );
    }
    for (const o of ctx.optimizers) o._host = ctx;
  }

  /** Lightning's `enable_validation`: a validationStep, validation data (passed or a valDataloader hook), limitValBatches > 0. */
  private valDefined(ctx: RunContext, valData: unknown): boolean {
    return typeof ctx.module.validationStep === "function" && this.limitValBatches !== 0 &&
      (valData !== undefined || typeof (this.datamodule as any)?.valDataloader === "function" || typeof ctx.module.valDataloader === "function");
  }

  private async fitValData(ctx: RunContext, valData: unknown): Promise<{ val: BatchSource | null; numVal: number }> {
    let val: BatchSource | null = null;
    let numVal = 0;
    const hasValStep = typeof ctx.module.validationStep === "function";
    if (hasValStep && this.limitValBatches !== 0) {
      const rawVal = valData !== undefined ? valData : await this.dataFromHooks(ctx, "valDataloader");
      if (rawVal !== undefined && rawVal !== null) {
        val = toBatchSource(rawVal, "validation data");
        numVal = limitBatches(val.length, this.limitValBatches, "limit_val_batches");
        if (this.fastDevRun > 0) numVal = Math.min(numVal, this.fastDevRun);
      }
    }
    this.numValBatches = val ? [numVal] : [];
    return { val, numVal };
  }

  private async fitData(ctx: RunContext, trainData: FitDataArg, { val, numVal }: { val: BatchSource | null; numVal: number }): Promise<FitData> {
    const rawTrain = trainData !== undefined && !isDatamoduleArg(trainData) && !(trainData instanceof LightningDataModule)
      ? trainData : await this.dataFromHooks(ctx, "trainDataloader");
    if (rawTrain === undefined || rawTrain === null) {
      throw new MisconfigurationError("trainer.fit() needs training data: pass a DataLoader, or define trainDataloader() on the module or datamodule.");
    }
    const train = toBatchSource(rawTrain, "training data");
    if (train.length === 0) {
      throw new MisconfigurationError("The training dataloader is empty (0 batches). Check the dataset size, batchSize and dropLast.");
    }
    let numTrain = limitBatches(train.length, this.limitTrainBatches, "limit_train_batches");
    if (this.fastDevRun > 0) numTrain = Math.min(numTrain, this.fastDevRun);
    this.numTrainingBatches = numTrain;
    if (val && numVal > 0 && this.valCheckInterval > 1 && Number.isFinite(numTrain) && this.checkValEveryNEpoch !== null &&
        this.valCheckInterval > numTrain) {
      throw new MisconfigurationError(
        `\`val_check_interval\` (${this.valCheckInterval}) must be less than or equal to the number of the training batches (${numTrain}). ` +
          "If you want to disable validation set `limitValBatches: 0`; for batch-count validation across epochs set `checkValEveryNEpoch: null`.",
      );
    }
    return { train, numTrainBatches: numTrain, val, numValBatches: numVal };
  }

  private async dataFromHooks(ctx: RunContext, hook: string): Promise<unknown> {
    const dm = this.datamodule as any;
    if (dm && typeof dm[hook] === "function") return dm[hook]();
    return ctx.hooks.moduleHook(hook, []);
  }

  /** Runs the sanity check; the validation data is loaded after onSanityCheckStart (Lightning's order) and returned. */
  private async sanityCheck<V extends { val: BatchSource | null; numVal: number }>(ctx: RunContext, loadVal: () => Promise<V>): Promise<V> {
    this.sanityChecking = true;
    this.state.stage = "sanity_check";
    await ctx.hooks.callbackHook("onSanityCheckStart", []);
    this.resetMetrics();
    let v: V;
    try {
      v = await loadVal();
      const n = this.numSanityValSteps === -1 ? v.numVal : Math.min(this.numSanityValSteps, v.numVal);
      if (v.val && n > 0) await runEvaluation(this, ctx, "validation", v.val, n);
    } finally {
      this.sanityChecking = false;
    }
    this.resetMetrics();
    await ctx.hooks.callbackHook("onSanityCheckEnd", []);
    return v;
  }

  // ---- internals used by the loops ----
  /** @internal */
  _countStep(): void {
    this._globalStep++;
  }

  /** @internal Used by the checkpoint layer to restore the loop position. */
  _setGlobalStep(step: number): void {
    this._globalStep = step;
  }

  /** @internal Throws TrainingInterrupted at a batch boundary when an interrupt was requested. */
  _checkInterrupt(): void {
    if (this.interruptReason === null) return;
    const reason = this.interruptReason;
    this.interruptReason = null;
    throw new TrainingInterrupted(`${reason}; stopped at step ${this.globalStep} (epoch ${this.currentEpoch}, batch ${this._resumeBatch})`);
  }

  /** @internal */
  _valEnabled(data: FitData): boolean {
    if (!data.val || data.numValBatches === 0) return false;
    const n = this.checkValEveryNEpoch;
    return n === null || (this.currentEpoch + 1) % n === 0;
  }

  /** @internal Batches between validation runs. */
  _valCheckBatch(numTrain: number): number {
    const v = this.valCheckInterval;
    if (Number.isInteger(v) && v > 1) return v;
    if (!Number.isFinite(numTrain)) return v === 1 ? Infinity : (() => {
      throw new MisconfigurationError(`valCheckInterval=${v} is a fraction, but the training data has unknown length. Pass an integer.`);
    })();
    return Math.max(1, Math.floor(numTrain * v));
  }

  /** @internal The end of a training epoch (Lightning's `_FitLoop.on_advance_end`). */
  async _epochEnd(ctx: RunContext): Promise<void> {
    const hooks = ctx.hooks;
    await hooks.callbackHook("onTrainEpochEnd", [], (cb) => !cb.isMonitoring);
    await hooks.moduleHook("onTrainEpochEnd", []);
    // Monitoring callbacks (EarlyStopping, ModelCheckpoint) see the epoch metrics, including what the module just
    // logged (Lightning computes callback_metrics from the live results).
    await hooks.settle();
    await ctx.trainResults.flush();
    this._mergeMetrics(ctx.trainResults.metrics(false), true);
    await hooks.callbackHook("onTrainEpochEnd", [], (cb) => cb.isMonitoring);
    await hooks.settle();
    await ctx.trainResults.flush();
    const views = ctx.trainResults.metrics(false);
    this._mergeMetrics(views, true);
    if (ctx.automatic) await this._stepPlateauSchedulers(ctx, "epoch");
    await this._logToLoggers(views.log, Math.max(0, this._batchesThatStepped - 1));
    ctx.trainResults.reset();
    this.currentEpoch++;
  }

  /** @internal Non-plateau schedulers with `interval` (automatic mode only), honouring `frequency`. */
  async _stepSchedulers(ctx: RunContext, interval: "step" | "epoch"): Promise<void> {
    if (!ctx.automatic) return;
    const counter = interval === "step" ? this._globalStep : this.currentEpoch + 1;
    for (const s of ctx.schedulers) {
      if (s.interval !== interval || s.reduceOnPlateau || counter % s.frequency !== 0) continue;
      await ctx.hooks.moduleHook("lrSchedulerStep", [s.scheduler, null]);
    }
  }

  /** @internal ReduceLROnPlateau-style schedulers, stepped with their monitored metric. */
  async _stepPlateauSchedulers(ctx: RunContext, interval: "step" | "epoch"): Promise<void> {
    for (const s of ctx.schedulers) {
      if (!s.reduceOnPlateau || s.interval !== interval) continue;
      const metric = this._metricDicts.callback[s.monitor!];
      if (metric === undefined) {
        if (s.strict) {
          throw new MisconfigurationError(
            `ReduceLROnPlateau conditioned on metric "${s.monitor}" which is not available. Available metrics are: ` +
              `${Object.keys(this._metricDicts.callback).join(", ") || "(none)"}. Condition can be set using \`monitor\` key in lr scheduler dict.`,
          );
        }
        continue;
      }
      await ctx.hooks.moduleHook("lrSchedulerStep", [s.scheduler, metric]);
    }
  }

  /** @internal Merges a result view into the three metric dicts. */
  _mergeMetrics(views: MetricViews, includeCallback: boolean): void {
    Object.assign(this._metricDicts.log, views.log);
    Object.assign(this._metricDicts.pbar, views.pbar);
    if (includeCallback) Object.assign(this._metricDicts.callback, views.callback);
  }

  /** @internal The step loggers receive for evaluation metrics. */
  _loggerStep(): number {
    return this._batchesThatStepped;
  }

  /** @internal Sends metrics (plus "epoch") to every logger; nothing (no promise) without loggers or metrics. */
  _logToLoggers(metrics: Record<string, number>, step: number): Promise<void> | undefined {
    if (this.loggers.length === 0 || Object.keys(metrics).length === 0) return undefined;
    return this.sendToLoggers(metrics, step);
  }

  private async sendToLoggers(metrics: Record<string, number>, step: number): Promise<void> {
    const m = { ...metrics };
    let s = step;
    if ("step" in m) {
      s = m.step;
      delete m.step;
    }
    if (!("epoch" in m)) m.epoch = this.currentEpoch;
    for (const l of this.loggers) await l.logMetrics(m, s);
  }

  /** @internal Emits a warning once per distinct message per Trainer. */
  _warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    process.emitWarning(message, { type: "LightningWarning" } as any);
  }

  private resetMetrics(): void {
    for (const d of Object.values(this._metricDicts)) {
      for (const k of Object.keys(d)) delete d[k];
    }
  }

  private resolveLoggers(opt: TrainerOptions["logger"]): Logger[] {
    if (opt === false) return [];
    if (opt === undefined || opt === true) {
      // Lightning's default without TensorBoard: CSV at <defaultRootDir>/lightning_logs/version_N.
      return [new CSVLogger({ saveDir: this.defaultRootDir, flushLogsEveryNSteps: Math.max(1, this.logEveryNSteps) })];
    }
    const list = Array.isArray(opt) ? opt : [opt];
    for (const l of list) {
      if (typeof (l as Logger)?.logMetrics !== "function") {
        throw new TypeError(`new Trainer({ logger }): a logger must have logMetrics(metrics, step), got ${describeValue(l)}.`);
      }
    }
    return list;
  }

  // ---- checkpoints ----
  /** The checkpoint the last fit resumed from, or null. */
  ckptPath: string | null = null;

  /** Saves the current state of the fit (Lightning's `trainer.save_checkpoint`). */
  saveCheckpoint(filepath: string, weightsOnly = false): Promise<void> {
    return saveCheckpoint(this, filepath, weightsOnly);
  }

  get checkpointCallbacks(): ModelCheckpoint[] {
    return this.callbacks.filter((c): c is ModelCheckpoint => c instanceof ModelCheckpoint);
  }

  /** The first ModelCheckpoint callback, or null. */
  get checkpointCallback(): ModelCheckpoint | null {
    return this.checkpointCallbacks[0] ?? null;
  }

  /** The first EarlyStopping callback, or null. */
  get earlyStoppingCallback(): EarlyStopping | null {
    return this.callbacks.find((c): c is EarlyStopping => c instanceof EarlyStopping) ?? null;
  }

  /** ModelSummary (with the progress bar, or `enableModelSummary`) and a ModelCheckpoint (`enableCheckpointing`). */
  private builtinCallbacks(user: readonly Callback[]): Callback[] {
    const out: Callback[] = [];
    const o = this.options;
    if (o.enableModelSummary === true || (o.enableModelSummary === undefined && o.enableProgressBar !== false)) {
      if (!user.some((c) => c instanceof ModelSummary)) out.push(new ModelSummary());
    }
    const hasCheckpoint = user.some((c) => c instanceof ModelCheckpoint);
    if (!this.enableCheckpointing && hasCheckpoint) {
      throw new MisconfigurationError(
        "Trainer was configured with `enableCheckpointing: false` but found `ModelCheckpoint` in callbacks list. " +
          "Remove one of them.",
      );
    }
    if (this.enableCheckpointing && !hasCheckpoint && this.fastDevRun === 0) out.push(new ModelCheckpoint());
    return out;
  }
}

function isDatamoduleArg(v: unknown): v is { datamodule: LightningDataModule } {
  return typeof v === "object" && v !== null && "datamodule" in v;
}

function datamoduleOf(v: unknown): LightningDataModule | null {
  if (v instanceof LightningDataModule) return v;
  if (isDatamoduleArg(v)) return v.datamodule;
  return null;
}

/**
 * The backend for a run: one the user activated explicitly (tf.setBackend) is kept; otherwise the backend layer picks
 * once per process (tfjs-node-gpu → webgpu → tfjs-node → wasm (tuned) → cpu, or $TSLAB_LIGHTNING_BACKEND).
 */
async function resolveBackend(): Promise<{ name: string; label: string }> {
  const active = (tf.engine() as any).backendInstance != null;
  if (!active || process.env.TSLAB_LIGHTNING_BACKEND) {
    const report = await ensureBackend();
    if (!active || tf.getBackend() === report.name) return { name: report.name, label: backendLabel(report) };
  }
  const name = tf.getBackend();
  if (name === "wasm") registerWasmTuning();
  return { name, label: name === "wasm" ? "wasm (tuned)" : name };
}
