// A callback that records the wall time from one training batch's start to the next (everything a batch costs:
// data, step, hooks, logging, readback), for the benchmarks that time Trainer.fit.
import { performance } from "node:perf_hooks";
import { Callback } from "../../kernel";

export class StepTimes extends Callback {
  times: number[] = [];
  /** Called at every batch start (benchmarks that sample other clocks at the same points). */
  onStart: (() => void) | null = null;
  private last = 0;
  onTrainBatchStart() {
    this.onStart?.();
    const now = performance.now();
    if (this.last) this.times.push(now - this.last);
    this.last = now;
  }
}
