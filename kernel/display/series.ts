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
  constructor(readonly name: string, readonly kind: SeriesKind) {}

  append(x: number, y: number): void {
    this.xs.push(x);
    this.ys.push(y);
  }

  get length(): number {
    return this.xs.length;
  }
}
