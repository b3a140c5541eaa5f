/**
 * `LightningOptimizer`: wraps a tf.Optimizer and the variables it owns. `step()` fires the closure and
 * `onBeforeOptimizerStep`, applies the buffered gradients and (inside a manual `trainingStep`) counts a global step.
 */
import * as tf from "@tensorflow/tfjs";
import { MisconfigurationError, describeValue } from "../errors";
import type { GradientStore } from "./gradient-store";
import { getLearningRate, setLearningRate } from "./learning-rate";

/** What the wrapper needs from the running trainer (kept narrow so the optimizer knows no loop). */
export interface OptimizerHost {
  readonly grads: GradientStore;
  /** Fire `onBeforeOptimizerStep` on callbacks then the module (manual mode only; automatic mode fires it in its closure). */
  beforeOptimizerStep(opt: LightningOptimizer): void;
  /** Called after an update; the manual loop counts it as a global step while `trainingStep` runs. */
  afterOptimizerStep(opt: LightningOptimizer): void;
  readonly automatic: boolean;
}

export class LightningOptimizer {
  /** @internal */
  _host: OptimizerHost | null = null;

  constructor(
    /** The raw tf.Optimizer. */
    readonly optimizer: tf.Optimizer,
    private readonly resolveParams: () => tf.Variable[],
    /** Position in `configureOptimizers`' order. */
    readonly index: number,
  ) {}

  /** The variables this optimizer updates (trainable or frozen), in a fixed order. */
  params(): tf.Variable[] {
    return this.resolveParams();
  }

  get lr(): number {
    return getLearningRate(this.optimizer);
  }
  set lr(value: number) {
    setLearningRate(this.optimizer, value);
  }
  getLearningRate(): number {
    return this.lr;
  }
  setLearningRate(value: number): void {
    this.lr = value;
  }

  /**
   * Runs `closure` (if given), fires `onBeforeOptimizerStep`, then applies the buffered gradients of this optimizer's
   * variables. Returns the closure's return value (a promise when the closure is async).
   */
  step<T = unknown>(closure?: () => T): T {
    if (closure !== undefined && closure !== null && typeof closure !== "function") {
      throw new MisconfigurationError(
        `When \`optimizer.step(closure)\` is called, the closure should be callable, got ${describeValue(closure)}. ` +
          `Pass a function (e.g. () => this.manualBackward(() => loss)) or call opt.step() with no argument.`,
      );
    }
    const host = this.requireHost("step");
    const result = closure ? closure() : (undefined as T);
    if (result instanceof Promise) {
      return result.then((r) => {
        this.finishStep(host);
        return r;
      }) as unknown as T;
    }
    this.finishStep(host);
    return result;
  }

  /** Clears the gradient buffers of this optimizer's variables (no hook, as in Lightning). */
  zeroGrad(): void {
    this.requireHost("zeroGrad").grads.zero(this.params());
  }

  /** @internal Applies buffered gradients (no hooks). Variables without a buffer are left untouched. */
  _applyBuffered(): void {
    const host = this.requireHost("step");
    // tf optimizers index their slots by position, so always pass every variable in the same order (null = skip).
    // A plain loop, not map + every: the array `map` makes in optimized code has another map than the one it makes
    // in baseline code, and the `every` after it threw the whole optimized batch step away (V8 --trace-deopt).
    const named: { name: string; tensor: tf.Tensor }[] = [];
    let anyGradient = false;
    for (const v of this.params()) {
      const tensor = host.grads.get(v) ?? null;
      if (tensor !== null) anyGradient = true;
      named.push({ name: v.name, tensor: tensor as tf.Tensor });
    }
    if (!anyGradient) return;
    this.optimizer.applyGradients(named);
  }

  private finishStep(host: OptimizerHost): void {
    if (!host.automatic) host.beforeOptimizerStep(this);
    this._applyBuffered();
    host.afterOptimizerStep(this);
  }

  private requireHost(what: string): OptimizerHost {
    if (!this._host) {
      throw new MisconfigurationError(
        `optimizer.${what}() was called on an optimizer that is not attached to a running Trainer. ` +
          `Call it from trainingStep (or another hook) during trainer.fit().`,
      );
    }
    return this._host;
  }
}
