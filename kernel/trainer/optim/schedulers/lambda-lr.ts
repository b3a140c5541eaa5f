/** PyTorch's LambdaLR: lr = baseLr · lrLambda(epoch). The function is not saved in checkpoints (as in PyTorch). */
import { LRScheduler, type SchedulableOptimizer } from "./lr-scheduler";

export class LambdaLR extends LRScheduler {
  readonly lrLambda: (epoch: number) => number;

  constructor(optimizer: SchedulableOptimizer, opts: { lrLambda: (epoch: number) => number; lastEpoch?: number }) {
    super(optimizer, opts.lastEpoch ?? -1);
    if (typeof opts.lrLambda !== "function") {
      throw new TypeError(`LambdaLR: lrLambda must be a function of the epoch, got ${typeof opts.lrLambda}`);
    }
    this.lrLambda = opts.lrLambda;
    this.start();
  }

  protected computeLr(): number {
    return this.baseLr * this.lrLambda(this.lastEpoch);
  }
}
