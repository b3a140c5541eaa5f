/**
 * Tensor-leak telemetry: `numTensors` after each batch. A steady climb across the recent window (the count at the
 * end exceeds every earlier minimum) is reported as tensors leaked per step.
 */
export class LeakMonitor {
  private readonly recent: number[] = [];
  constructor(private readonly window = 50) {}

  record(numTensors: number): void {
    this.recent.push(numTensors);
    if (this.recent.length > this.window) this.recent.shift();
  }

  /** Tensors gained per batch over the window (0 when not growing or not enough data). */
  growthPerStep(): number {
    const r = this.recent;
    if (r.length < Math.min(this.window, 10)) return 0;
    // Compare the minima of the two halves so a transient spike (e.g. validation) is not called a leak.
    const half = Math.floor(r.length / 2);
    const firstMin = Math.min(...r.slice(0, half));
    const secondMin = Math.min(...r.slice(half));
    const gained = secondMin - firstMin;
    return gained > 0 ? gained / half : 0;
  }
}
