/** PyTorch's ExponentialLR: lr = baseLr · gamma^epoch. */
import { LRScheduler, type SchedulableOptimizer } from "./lr-scheduler";

export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, opts: { gamma: number; lastEpoch?: number }) {
    super(optimizer, opts.lastEpoch ?? -1);
    if (typeof opts.gamma !== "number" || !(opts.gamma > 0)) {
      throw new RangeError(`ExponentialLR: gamma must be a positive number, got ${String(opts.gamma)}`);
    }
    this.gamma = opts.gamma;
    this.start();
  }

  protected computeLr(): number {
    return this.baseLr * Math.pow(this.gamma, this.lastEpoch);
  }
}
