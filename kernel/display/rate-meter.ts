/** Iterations per second over the last `span` iterations, and the ETA derived from it. */
export class RateMeter {
  private readonly times: Float64Array;
  private count = 0;

  constructor(span = 128) {
    this.times = new Float64Array(span);
  }

  tick(now: number): void {
    this.times[this.count % this.times.length] = now;
    this.count += 1;
  }

  /** Iterations per second, NaN until two ticks are apart in time. */
  perSecond(): number {
    const n = Math.min(this.count, this.times.length);
    if (n < 2) return NaN;
    const last = this.times[(this.count - 1) % this.times.length];
    const first = this.times[(this.count - n) % this.times.length];
    return last > first ? ((n - 1) * 1000) / (last - first) : NaN;
  }

  /** Seconds to go for `remaining` iterations, NaN when unknown. */
  eta(remaining: number): number {
    const r = this.perSecond();
    return Number.isFinite(remaining) && remaining >= 0 && r > 0 ? remaining / r : NaN;
  }
}
