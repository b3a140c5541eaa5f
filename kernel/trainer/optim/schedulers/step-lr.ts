/** PyTorch's StepLR: lr = baseLr · gamma^floor(epoch / stepSize). */
import { LRScheduler, type SchedulableOptimizer } from "./lr-scheduler";

export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, opts: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(optimizer, opts.lastEpoch ?? -1);
    if (!Number.isInteger(opts.stepSize) || opts.stepSize <= 0) {
      throw new RangeError(`StepLR: stepSize must be a positive integer, got ${String(opts.stepSize)}`);
    }
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this.start();
  }

  protected computeLr(): number {
    return this.baseLr * Math.pow(this.gamma, Math.floor(this.lastEpoch / this.stepSize));
  }
}
