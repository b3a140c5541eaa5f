/**
 * Base class of learning-rate schedulers, with PyTorch's `LRScheduler` contract: constructing one records the base
 * learning rate and applies epoch 0; `step()` advances `lastEpoch` and sets the optimizer's rate. Subclasses set their
 * own fields and then call `this.start()` at the end of their constructor (their fields must exist before epoch 0).
 */
import type * as tf from "@tensorflow/tfjs";
import { getLearningRate, setLearningRate } from "../learning-rate";
import type { LightningOptimizer } from "../lightning-optimizer";

export type SchedulableOptimizer = tf.Optimizer | LightningOptimizer;

export function rawOptimizer(opt: SchedulableOptimizer): tf.Optimizer {
  return "optimizer" in opt && (opt as LightningOptimizer).optimizer ? (opt as LightningOptimizer).optimizer : (opt as tf.Optimizer);
}

export abstract class LRScheduler {
  readonly optimizer: tf.Optimizer;
  readonly baseLr: number;
  lastEpoch: number;
  protected lastLr: number;

  constructor(optimizer: SchedulableOptimizer, lastEpoch = -1) {
    this.optimizer = rawOptimizer(optimizer);
    this.baseLr = getLearningRate(this.optimizer);
    this.lastEpoch = lastEpoch;
    this.lastLr = this.baseLr;
  }

  /** Applies the initial step; call once at the end of the subclass constructor. */
  protected start(): void {
    this.step();
  }

  /** The learning rate for `this.lastEpoch` (closed form or chainable, as in PyTorch). */
  protected abstract computeLr(): number;

  /** Advances one step (epoch or batch, per its `interval`). `metric` is for ReduceLROnPlateau-like schedulers. */
  step(_metric?: number): void {
    this.lastEpoch += 1;
    this.lastLr = this.computeLr();
    setLearningRate(this.optimizer, this.lastLr);
  }

  getLastLr(): number[] {
    return [this.lastLr];
  }

  stateDict(): Record<string, unknown> {
    return { lastEpoch: this.lastEpoch, lastLr: this.lastLr, baseLr: this.baseLr };
  }

  loadStateDict(state: Record<string, unknown>): void {
    this.lastEpoch = Number(state.lastEpoch);
    this.lastLr = Number(state.lastLr);
    setLearningRate(this.optimizer, this.lastLr);
  }
}
