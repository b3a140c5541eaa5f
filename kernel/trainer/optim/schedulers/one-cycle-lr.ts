/**
 * PyTorch's OneCycleLR (per batch): from maxLr/divFactor up to maxLr over the first pctStart of totalSteps, then down
 * to initialLr/finalDivFactor (three phases with `threePhase`), by cosine (default) or linear annealing. Momentum
 * (`momentum` or Adam's `beta1`) cycles inversely when the optimizer has one and `cycleMomentum` is on.
 * Stepping past totalSteps is an error, as in PyTorch.
 */
import type * as tf from "@tensorflow/tfjs";
import { setLearningRate } from "../learning-rate";
import { LRScheduler, rawOptimizer, type SchedulableOptimizer } from "./lr-scheduler";

export interface OneCycleLROptions {
  maxLr: number;
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: number;
  endLr: number;
  startMomentum: number;
  endMomentum: number;
}

function startAtInitialLr(optimizer: SchedulableOptimizer, opts: OneCycleLROptions): SchedulableOptimizer {
  if (typeof opts?.maxLr !== "number" || !(opts.maxLr > 0)) throw new RangeError(`OneCycleLR: maxLr must be a positive number, got ${String(opts?.maxLr)}`);
  setLearningRate(rawOptimizer(optimizer), opts.maxLr / (opts.divFactor ?? 25));
  return optimizer;
}

export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: "cos" | "linear";
  readonly cycleMomentum: boolean;
  private readonly phases: Phase[];

  constructor(optimizer: SchedulableOptimizer, opts: OneCycleLROptions) {
    super(startAtInitialLr(optimizer, opts), opts.lastEpoch ?? -1);
    if (opts.totalSteps !== undefined) {
      if (!Number.isInteger(opts.totalSteps) || opts.totalSteps <= 0) throw new RangeError(`OneCycleLR: expected a positive integer totalSteps, got ${opts.totalSteps}`);
      this.totalSteps = opts.totalSteps;
    } else if (opts.epochs !== undefined && opts.stepsPerEpoch !== undefined) {
      if (!Number.isInteger(opts.epochs) || opts.epochs <= 0) throw new RangeError(`OneCycleLR: expected a positive integer epochs, got ${opts.epochs}`);
      if (!Number.isInteger(opts.stepsPerEpoch) || opts.stepsPerEpoch <= 0) throw new RangeError(`OneCycleLR: expected a positive integer stepsPerEpoch, got ${opts.stepsPerEpoch}`);
      this.totalSteps = opts.epochs * opts.stepsPerEpoch;
    } else {
      throw new RangeError("OneCycleLR: you must define either totalSteps OR (epochs AND stepsPerEpoch)");
    }
    const pct = opts.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new RangeError(`OneCycleLR: expected a float between 0 and 1 for pctStart, got ${pct}`);
    this.annealStrategy = opts.annealStrategy ?? "cos";
    if (this.annealStrategy !== "cos" && this.annealStrategy !== "linear") {
      throw new RangeError(`OneCycleLR: annealStrategy must be "cos" or "linear", got ${JSON.stringify(this.annealStrategy)}`);
    }
    const initialLr = this.baseLr;
    const minLr = initialLr / (opts.finalDivFactor ?? 1e4);
    const maxLr = opts.maxLr;
    const baseM = opts.baseMomentum ?? 0.85;
    const maxM = opts.maxMomentum ?? 0.95;
    const n = this.totalSteps;
    this.phases = opts.threePhase
      ? [
          { endStep: pct * n - 1, startLr: initialLr, endLr: maxLr, startMomentum: maxM, endMomentum: baseM },
          { endStep: 2 * pct * n - 2, startLr: maxLr, endLr: initialLr, startMomentum: baseM, endMomentum: maxM },
          { endStep: n - 1, startLr: initialLr, endLr: minLr, startMomentum: maxM, endMomentum: maxM },
        ]
      : [
          { endStep: pct * n - 1, startLr: initialLr, endLr: maxLr, startMomentum: maxM, endMomentum: baseM },
          { endStep: n - 1, startLr: maxLr, endLr: minLr, startMomentum: baseM, endMomentum: maxM },
        ];
    this.cycleMomentum = (opts.cycleMomentum ?? true) && momentumKey(this.optimizer) !== null;
    this.start();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === "linear") return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected computeLr(): number {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${step} times. The specified number of total steps is ${this.totalSteps}`);
    }
    let startStep = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const p = this.phases[i];
      if (step <= p.endStep || i === this.phases.length - 1) {
        const pct = (step - startStep) / (p.endStep - startStep);
        if (this.cycleMomentum) setMomentum(this.optimizer, this.anneal(p.startMomentum, p.endMomentum, pct));
        return this.anneal(p.startLr, p.endLr, pct);
      }
      startStep = p.endStep;
    }
    return this.lastLr;
  }
}

function momentumKey(opt: tf.Optimizer): "momentum" | "beta1" | null {
  const o = opt as any;
  if (typeof o.momentum === "number") return "momentum";
  if (typeof o.beta1 === "number") return "beta1";
  return null;
}

function setMomentum(opt: tf.Optimizer, value: number): void {
  const o = opt as any;
  const key = momentumKey(opt);
  if (key === "momentum" && typeof o.setMomentum === "function") o.setMomentum(value);
  else if (key) o[key] = value;
}
