/**
 * The browser's copy of the runs: full-resolution columns per series (what the kernel sent), an incremental
 * min/max pyramid over index buckets (so drawing 100 000 points costs ~2 points per pixel of plot width, whichever
 * x axis is chosen), and a TensorBoard-style debiased EMA computed incrementally. No DOM here (tested under node).
 */
import type { RunMeta, SeriesChunk, WireY } from "../protocol";

export type XAxis = "step" | "batch" | "time";

export function readY(v: WireY): number {
  return typeof v === "number" ? v : v === "NaN" ? NaN : v === "Inf" ? Infinity : -Infinity;
}

export class ClientSeries {
  step = new Float64Array(64);
  batch = new Float64Array(64);
  time = new Float64Array(64);
  y = new Float64Array(64);
  length = 0;
  /** Points per pyramid bucket (a power of two) and the buckets' min/max indices (-1: only non-finite values). */
  private bucket = 1;
  private lo = new Int32Array(0);
  private hi = new Int32Array(0);
  private buckets = 0;
  /** Indices of non-finite values (thinned to keep at most `maxMarkers`). */
  markers: number[] = [];
  /** Smoothed y (valid for `[0, smoothedUpTo)` at `smoothWeight`). */
  private smooth: Float64Array | null = null;
  private smoothWeight = -1;
  private smoothedUpTo = 0;
  private emaLast = 0;
  private emaCount = 0;
  /** Bumped on every change; views compare it to skip redrawing. */
  version = 0;

  constructor(readonly run: string, readonly key: string, readonly group: string, readonly maxBuckets = 200, readonly maxMarkers = 500) {
    this.lo = new Int32Array(2 * maxBuckets);
    this.hi = new Int32Array(2 * maxBuckets);
  }

  column(axis: XAxis): Float64Array {
    return axis === "step" ? this.step : axis === "batch" ? this.batch : this.time;
  }

  clear(): void {
    this.length = 0;
    this.bucket = 1;
    this.buckets = 0;
    this.markers = [];
    this.smoothWeight = -1;
    this.version++;
  }

  appendChunk(c: Pick<SeriesChunk, "step" | "batch" | "time" | "y" | "reset">): void {
    if (c.reset) this.clear();
    for (let i = 0; i < c.y.length; i++) this.push(c.step[i], c.batch[i], c.time[i], readY(c.y[i]));
    this.version++;
  }

  push(step: number, batch: number, time: number, y: number): void {
    if (this.length === this.y.length) this.grow();
    const i = this.length++;
    this.step[i] = step;
    this.batch[i] = batch;
    this.time[i] = time;
    this.y[i] = y;
    if (!Number.isFinite(y)) this.addMarker(i);
    if ((i + 1) % this.bucket === 0) this.closeBucket(i + 1 - this.bucket, i + 1);
  }

  /**
   * Indices to draw for the whole series: the min and max of each closed bucket in order (neighbouring pyramid
   * buckets merged so that there are at most `maxBuckets` of them, e.g. the plot's width in pixels), then the open
   * bucket's min, max and newest point.
   */
  drawIndices(maxBuckets = Infinity): number[] {
    const out: number[] = [];
    const g = Math.max(1, Math.ceil(this.buckets / Math.max(1, maxBuckets)));
    const y = this.y;
    for (let k = 0; k < this.buckets; k += g) {
      let a = this.lo[k];
      let b = this.hi[k];
      for (let j = k + 1; j < k + g && j < this.buckets; j++) {
        a = pick(y, a, this.lo[j], -1);
        b = pick(y, b, this.hi[j], 1);
      }
      if (a < 0) continue;
      if (a === b) out.push(a);
      else out.push(Math.min(a, b), Math.max(a, b));
    }
    // The open bucket: its min and max too, and the newest point so the line reaches "now".
    const open = this.buckets * this.bucket;
    if (this.length - open <= 2) {
      for (let i = open; i < this.length; i++) if (Number.isFinite(this.y[i])) out.push(i);
      return out;
    }
    const [a, b] = minMax(this.y, open, this.length);
    const tail = [...new Set([a, b, this.length - 1])].filter((i) => i >= 0 && Number.isFinite(this.y[i])).sort((p, q) => p - q);
    out.push(...tail);
    return out;
  }

  /** Indices whose x (on `axis`) lies in [x0, x1], thinned by min/max to about 2 × `buckets` points. */
  drawIndicesInRange(axis: XAxis, x0: number, x1: number, buckets: number): number[] {
    const x = this.column(axis);
    const from = Math.max(0, lowerBound(x, this.length, x0) - 1);
    const to = Math.min(this.length, lowerBound(x, this.length, x1) + 1);
    const n = to - from;
    const out: number[] = [];
    if (n <= 2 * buckets) {
      for (let i = from; i < to; i++) if (Number.isFinite(this.y[i])) out.push(i);
      return out;
    }
    for (let k = 0; k < buckets; k++) {
      const [a, b] = minMax(this.y, from + Math.floor((k * n) / buckets), from + Math.floor(((k + 1) * n) / buckets));
      if (a < 0) continue;
      if (a === b) out.push(a);
      else out.push(Math.min(a, b), Math.max(a, b));
    }
    return out;
  }

  /** Debiased EMA of y (TensorBoard's smoothing), extended incrementally; weight 0 returns y. */
  smoothed(weight: number): Float64Array {
    if (weight <= 0) return this.y;
    if (!this.smooth || this.smooth.length < this.y.length) {
      const next = new Float64Array(this.y.length);
      if (this.smooth && weight === this.smoothWeight) next.set(this.smooth.subarray(0, this.smoothedUpTo));
      else this.smoothWeight = -1;
      this.smooth = next;
    }
    if (weight !== this.smoothWeight) {
      this.smoothWeight = weight;
      this.smoothedUpTo = 0;
      this.emaLast = 0;
      this.emaCount = 0;
    }
    const s = this.smooth;
    for (let i = this.smoothedUpTo; i < this.length; i++) {
      const v = this.y[i];
      if (!Number.isFinite(v)) {
        s[i] = v;
        continue;
      }
      this.emaLast = this.emaLast * weight + (1 - weight) * v;
      this.emaCount++;
      s[i] = this.emaLast / (1 - Math.pow(weight, this.emaCount));
    }
    this.smoothedUpTo = this.length;
    return s;
  }

  /** The last finite value at or before index i (where markers are drawn), or 0. */
  finiteBefore(i: number): number {
    for (let k = i; k >= 0; k--) if (Number.isFinite(this.y[k])) return this.y[k];
    return 0;
  }

  private grow(): void {
    const n = this.y.length * 2;
    for (const k of ["step", "batch", "time", "y"] as const) {
      const next = new Float64Array(n);
      next.set(this[k]);
      this[k] = next;
    }
  }

  private closeBucket(a: number, b: number): void {
    const [lo, hi] = minMax(this.y, a, b);
    this.lo[this.buckets] = lo;
    this.hi[this.buckets] = hi;
    this.buckets++;
    if (this.buckets < this.lo.length) return;
    // Full: merge neighbours, doubling the bucket size.
    const half = this.buckets / 2;
    for (let k = 0; k < half; k++) {
      this.lo[k] = pick(this.y, this.lo[2 * k], this.lo[2 * k + 1], -1);
      this.hi[k] = pick(this.y, this.hi[2 * k], this.hi[2 * k + 1], 1);
    }
    this.buckets = half;
    this.bucket *= 2;
  }

  private addMarker(i: number): void {
    this.markers.push(i);
    if (this.markers.length > this.maxMarkers) this.markers = this.markers.filter((_, k) => k % 2 === 0 || k === this.markers.length - 1);
  }
}

/** [argmin, argmax] of the finite values of y[a..b), or [-1, -1]. */
export function minMax(y: ArrayLike<number>, a: number, b: number): [number, number] {
  let lo = -1;
  let hi = -1;
  for (let i = a; i < b; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) continue;
    if (lo < 0 || v < y[lo]) lo = i;
    if (hi < 0 || v > y[hi]) hi = i;
  }
  return [lo, hi];
}

function pick(y: ArrayLike<number>, a: number, b: number, sign: -1 | 1): number {
  if (a < 0) return b;
  if (b < 0) return a;
  return sign * (y[b] - y[a]) > 0 ? b : a;
}

/** First index in x[0..n) with x[i] >= v (x non-decreasing). */
export function lowerBound(x: ArrayLike<number>, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface ClientRun extends RunMeta {
  image?: { src: string; step: number; names: string[] };
}

/** All runs and series the page knows, keyed by run id and `run|key`. */
export class ClientStore {
  readonly runs = new Map<string, ClientRun>();
  readonly series = new Map<string, ClientSeries>();
  /** `maxBuckets`: pyramid size per series (1024–2048 buckets: finer than a plot's pixels, merged down when drawn). */
  constructor(readonly maxBuckets = 1024) {}

  clear(): void {
    this.runs.clear();
    this.series.clear();
  }

  upsertRun(meta: RunMeta): ClientRun {
    const run = { ...this.runs.get(meta.id), ...meta };
    this.runs.set(meta.id, run);
    return run;
  }

  removeRun(id: string): void {
    this.runs.delete(id);
    for (const [k, s] of this.series) if (s.run === id) this.series.delete(k);
  }

  /** Appends a chunk; returns the series (created on first sight, also for a run whose meta has not arrived). */
  append(c: SeriesChunk): ClientSeries {
    const id = `${c.run}|${c.key}`;
    let s = this.series.get(id);
    if (!s) {
      s = new ClientSeries(c.run, c.key, c.group, this.maxBuckets);
      this.series.set(id, s);
    }
    s.appendChunk(c);
    return s;
  }

  groups(): string[] {
    return [...new Set([...this.series.values()].map((s) => s.group))].sort();
  }
}
