/** PyTorch's MultiStepLR: lr = baseLr · gamma^(number of milestones ≤ epoch). */
import { LRScheduler, type SchedulableOptimizer } from "./lr-scheduler";

export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, opts: { milestones: number[]; gamma?: number; lastEpoch?: number }) {
    super(optimizer, opts.lastEpoch ?? -1);
    if (!Array.isArray(opts.milestones) || opts.milestones.some((m) => !Number.isInteger(m) || m < 0)) {
      throw new RangeError(`MultiStepLR: milestones must be an array of non-negative integers, got ${JSON.stringify(opts.milestones)}`);
    }
    this.milestones = [...opts.milestones].sort((a, b) => a - b);
    this.gamma = opts.gamma ?? 0.1;
    this.start();
  }

  protected computeLr(): number {
    // bisect_right: milestones equal to the epoch count as passed.
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLr * Math.pow(this.gamma, passed);
  }
}
