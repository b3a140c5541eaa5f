/** PyTorch's CosineAnnealingLR (closed form): lr = etaMin + (baseLr − etaMin)·(1 + cos(π·epoch/tMax))/2. */
import { LRScheduler, type SchedulableOptimizer } from "./lr-scheduler";

export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: SchedulableOptimizer, opts: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer, opts.lastEpoch ?? -1);
    if (typeof opts.tMax !== "number" || !(opts.tMax > 0)) {
      throw new RangeError(`CosineAnnealingLR: tMax must be a positive number, got ${String(opts.tMax)}`);
    }
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    this.start();
  }

  protected computeLr(): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2;
  }
}
