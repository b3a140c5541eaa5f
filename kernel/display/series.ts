import { GrowthBuffer } from "./growth-buffer";

/**
 * "batch": one point per training batch; "epoch": epoch-level training metrics;
 * "val": validation metrics (drawn on the same axes as their training twin, with dots).
 */
export type SeriesKind = "batch" | "epoch" | "val";

/** One metric of one run, at full resolution. x is non-decreasing (steps or batches). */
export class Series {
  readonly xs = new GrowthBuffer();
  readonly ys = new GrowthBuffer();
  private smooth: { weight: number; values: GrowthBuffer; last: number; count: number } | null = null;

  constructor(readonly name: string, readonly kind: SeriesKind) {}

  append(x: number, y: number): void {
    this.xs.push(x);
    this.ys.push(y);
  }

  get length(): number {
    return this.xs.length;
  }

  /**
   * TensorBoard's debiased EMA of the values (weight in [0, 1)), extended incrementally so frames do not redo it.
   * Non-finite values pass through (they stay markers) and do not poison the average.
   */
  smoothed(weight: number): Float64Array {
    if (!this.smooth || this.smooth.weight !== weight) this.smooth = { weight, values: new GrowthBuffer(), last: 0, count: 0 };
    const s = this.smooth;
    for (let i = s.values.length; i < this.ys.length; i++) {
      const v = this.ys.get(i);
      if (!Number.isFinite(v)) {
        s.values.push(v);
        continue;
      }
      s.last = s.last * weight + (1 - weight) * v;
      s.count += 1;
      s.values.push(s.last / (1 - Math.pow(weight, s.count)));
    }
    return s.values.view();
  }
}
