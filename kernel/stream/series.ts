/**
 * One metric of one run at full resolution: four growable Float64 columns (step, batch, seconds since start, y).
 * Appending is amortised O(1) and allocation-free between growths. Past `maxPoints` the series compacts itself
 * to half by min/max pairs (spikes survive) and bumps `generation`, so readers know their offsets are stale.
 */
export class Series {
  step: Float64Array;
  batch: Float64Array;
  time: Float64Array;
  y: Float64Array;
  length = 0;
  /** Incremented by every compaction; a reader's offset is valid only for the generation it was taken in. */
  generation = 0;
  /** Set while the series waits in the hub's dirty set (so a batch's push does no Set work). */
  dirty = false;
  /** `{"run":…,"key":…,"group":…` — the start of this series' chunk head in a frame header, built once. */
  readonly headJson: string;

  constructor(
    readonly id: number,
    readonly runId: string,
    readonly key: string,
    readonly group: string,
    readonly maxPoints: number,
    initialCapacity = 256,
  ) {
    this.headJson = `{"run":${JSON.stringify(runId)},"key":${JSON.stringify(key)},"group":${JSON.stringify(group)}`;
    const n = Math.max(4, Math.min(initialCapacity, maxPoints));
    this.step = new Float64Array(n);
    this.batch = new Float64Array(n);
    this.time = new Float64Array(n);
    this.y = new Float64Array(n);
  }

  get capacity(): number {
    return this.y.length;
  }

  push(step: number, batch: number, time: number, y: number): void {
    if (this.length === this.y.length) this.grow();
    const i = this.length++;
    this.step[i] = step;
    this.batch[i] = batch;
    this.time[i] = time;
    this.y[i] = y;
  }

  /** Bytes held by the columns. */
  get bytes(): number {
    return this.capacity * 32;
  }

  private grow(): void {
    if (this.length >= this.maxPoints) return this.compact();
    const n = Math.min(this.maxPoints, this.y.length * 2);
    for (const k of ["step", "batch", "time", "y"] as const) {
      const next = new Float64Array(n);
      next.set(this[k]);
      this[k] = next;
    }
  }

  /** Keeps the lowest and highest y of every 4 consecutive points (in order); non-finite values win. */
  private compact(): void {
    let w = 0;
    for (let a = 0; a < this.length; a += 4) {
      const b = Math.min(this.length, a + 4);
      for (const i of pickMinMax(this.y, a, b)) {
        this.step[w] = this.step[i];
        this.batch[w] = this.batch[i];
        this.time[w] = this.time[i];
        this.y[w] = this.y[i];
        w++;
      }
    }
    this.length = w;
    this.generation++;
  }
}

/**
 * Indices (ascending, 1 or 2 of them) of the min and max of `y[a..b)`. A non-finite value replaces the extreme
 * it is nearest to so NaN/Inf markers survive thinning.
 */
export function pickMinMax(y: ArrayLike<number>, a: number, b: number): number[] {
  let lo = -1;
  let hi = -1;
  let odd = -1;
  for (let i = a; i < b; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) {
      if (odd < 0) odd = i;
      continue;
    }
    if (lo < 0 || v < y[lo]) lo = i;
    if (hi < 0 || v > y[hi]) hi = i;
  }
  if (lo < 0) return odd < 0 ? [] : [odd];
  if (odd >= 0) {
    const keep = Math.abs(odd - lo) < Math.abs(odd - hi) ? hi : lo;
    return keep < odd ? [keep, odd] : [odd, keep];
  }
  return lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo];
}

/** Indices of `[from, to)` thinned to at most `2 * buckets` points by min/max per index bucket (first/last kept). */
export function thinIndices(y: ArrayLike<number>, from: number, to: number, buckets: number): number[] {
  const n = to - from;
  if (n <= 2 * buckets) {
    const all: number[] = new Array(n);
    for (let i = 0; i < n; i++) all[i] = from + i;
    return all;
  }
  const out: number[] = [];
  for (let k = 0; k < buckets; k++) {
    const a = from + Math.floor((k * n) / buckets);
    const b = from + Math.floor(((k + 1) * n) / buckets);
    if (b > a) out.push(...pickMinMax(y, a, b));
  }
  if (out[out.length - 1] !== to - 1) out.push(to - 1); // never sample away the tail
  return out;
}
