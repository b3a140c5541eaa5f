/**
 * State of one running fit/validate/test/predict that the module's API (`manualBackward`, `optimizers()`, `log`,
 * toggling) needs. Created by the Trainer at the start of a run; the module reaches it through its trainer.
 */
import type * as tf from "@tensorflow/tfjs";
import type { Callback } from "../callback";
import { HookCaller, type HookObserver } from "../hook-caller";
import type { LightningModule } from "../module";
import { GradientStore } from "../optim/gradient-store";
import { cachedDiscovery } from "../optim/parameters";
import type { LightningOptimizer, OptimizerHost } from "../optim/lightning-optimizer";
import type { SchedulerConfig } from "../optim/configure-optimizers";
import { ResultCollection } from "../logging/result-collection";
import type { AnomalyGuard } from "./anomaly-guard";
import type { LogTarget } from "../logging/log-call";
import { ALL_HOOKS, optionalHooks, type OptionalHooks } from "./optional-hooks";

/** What the run needs of its Trainer. */
export interface RunOwner {
  _countStep(): void;
  _warnOnce(message: string): void;
  readonly loggers: readonly unknown[];
}

/** Also the target of `this.log`: one object for every call instead of one made per call. */
export class RunContext implements OptimizerHost, LogTarget {
  readonly hooks: HookCaller;
  readonly grads = new GradientStore();
  optimizers: LightningOptimizer[] = [];
  schedulers: SchedulerConfig[] = [];
  /** True while the manual loop runs `trainingStep`: wrapped `step()` calls count as global steps then. */
  countingSteps = false;
  /** `toggleOptimizer` record: variable → trainable flag before the toggle. */
  toggleRecord: Map<tf.Variable, boolean> | null = null;
  readonly trainResults = new ResultCollection(true);
  readonly evalResults = new ResultCollection(false);
  /** The collection `log()` writes to now. */
  results: ResultCollection = this.trainResults;
  /** Batch being processed, for batch-size inference (undefined in epoch-level hooks). */
  batch: unknown = undefined;
  readonly batchSizeCache: { value: number | null } = { value: null };
  /** Images passed to `logImages` during this batch. */
  images: Record<string, tf.Tensor> = {};
  /** `detectAnomaly`: finiteness checks of every backward, and the snapshot to restore (null when off). */
  anomaly: AnomalyGuard | null = null;
  /** Which optional hooks anyone implements (all until `planHooks`, once the callback list is final). */
  optional: OptionalHooks = ALL_HOOKS;
  /** Tensors kept for the duration of the batch only (e.g. automatic-mode extras made inside the tape). */
  batchOwned: tf.Tensor[] = [];

  constructor(
    readonly trainer: RunOwner,
    readonly module: LightningModule,
    callbacks: () => readonly Callback[],
    observers: HookObserver[],
    readonly automatic: boolean,
  ) {
    this.hooks = new HookCaller(trainer, module, callbacks, observers);
  }

  /** The hook running now, which `log()` validates against. */
  get hook(): string | null {
    return this.hooks.current;
  }

  get hasLogger(): boolean {
    return this.trainer.loggers.length > 0;
  }

  warn(message: string): void {
    this.trainer._warnOnce(message);
  }

  /** The module's variables (discovered again only when they may have changed: see cachedDiscovery). */
  readonly variables: () => tf.Variable[] = cachedDiscovery(() => this.module.allVariables());

  /** Decides once which optional hooks to fire (the training loop calls it when the callback list is final). */
  planHooks(): void {
    this.optional = optionalHooks(this.hooks, this.module);
  }

  beforeOptimizerStep(opt: LightningOptimizer): void {
    if (this.optional.onBeforeOptimizerStep) this.hooks.bothSync("onBeforeOptimizerStep", [opt]);
  }

  afterOptimizerStep(_opt: LightningOptimizer): void {
    if (this.countingSteps) this.trainer._countStep();
  }

  /** Resets the per-batch logging state. */
  startBatch(batch: unknown): void {
    this.batch = batch;
    this.batchSizeCache.value = null;
    this.images = {};
  }

  endBatch(): void {
    for (const t of this.batchOwned) t.dispose();
    this.batchOwned = [];
    this.batch = undefined;
    this.batchSizeCache.value = null;
    this.images = {};
  }

  dispose(): void {
    this.anomaly?.release();
    this.grads.clear();
    this.trainResults.clear();
    this.evalResults.clear();
    for (const o of this.optimizers) o._host = null;
  }
}
