/**
 * PyTorch's ReduceLROnPlateau: `step(metric)` counts epochs without improvement (relative or absolute `threshold`);
 * after more than `patience` of them the rate is multiplied by `factor` (not below `minLr`, ignoring changes smaller
 * than `eps`), then `cooldown` epochs pass before counting resumes. The trainer steps it with the `monitor` value.
 */
import { MisconfigurationError } from "../../errors";
import { getLearningRate, setLearningRate } from "../learning-rate";
import { LRScheduler, type SchedulableOptimizer } from "./lr-scheduler";

export interface ReduceLROnPlateauOptions {
  mode?: "min" | "max";
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: "rel" | "abs";
  cooldown?: number;
  minLr?: number;
  eps?: number;
}

export class ReduceLROnPlateau extends LRScheduler {
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;

  constructor(optimizer: SchedulableOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    super(optimizer, 0);
    this.mode = opts.mode ?? "min";
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? "rel";
    this.cooldown = opts.cooldown ?? 0;
    this.minLr = opts.minLr ?? 0;
    this.eps = opts.eps ?? 1e-8;
    if (this.mode !== "min" && this.mode !== "max") throw new MisconfigurationError(`ReduceLROnPlateau: mode ${JSON.stringify(this.mode)} is unknown! Use "min" or "max".`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") {
      throw new MisconfigurationError(`ReduceLROnPlateau: thresholdMode ${JSON.stringify(this.thresholdMode)} is unknown! Use "rel" or "abs".`);
    }
    if (!(this.factor < 1)) throw new RangeError(`ReduceLROnPlateau: factor should be < 1.0, got ${this.factor}`);
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === "rel" ? a > best * (t + 1) : a > best + t;
  }

  /** One epoch with the monitored value `metric`. */
  override step(metric?: number): void {
    if (typeof metric !== "number") {
      throw new MisconfigurationError(
        "ReduceLROnPlateau.step(metric) needs the monitored value, e.g. sch.step(this.trainer.callbackMetrics.val_loss).",
      );
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      const old = getLearningRate(this.optimizer);
      const next = Math.max(old * this.factor, this.minLr);
      if (old - next > this.eps) setLearningRate(this.optimizer, next);
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = getLearningRate(this.optimizer);
  }

  protected computeLr(): number {
    return getLearningRate(this.optimizer);
  }

  override stateDict(): Record<string, unknown> {
    return { ...super.stateDict(), best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    super.loadStateDict(state);
    this.best = Number(state.best);
    this.numBadEpochs = Number(state.numBadEpochs);
    this.cooldownCounter = Number(state.cooldownCounter);
  }
}
