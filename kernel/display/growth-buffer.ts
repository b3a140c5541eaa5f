/** An append-only Float64Array that doubles when full: full resolution in kernel memory, 8 bytes a value. */
export class GrowthBuffer {
  private data: Float64Array;
  length = 0;

  constructor(initialCapacity = 256) {
    this.data = new Float64Array(initialCapacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i];
  }

  last(): number {
    return this.length > 0 ? this.data[this.length - 1] : NaN;
  }

  /** A view of the filled part (no copy; invalidated by the next growth). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
