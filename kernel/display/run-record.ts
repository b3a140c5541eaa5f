import { Series, type SeriesKind } from "./series";

export type RunStatus = "running" | "finished" | "interrupted" | "failed";

/** Everything one fit() produced for a chart: its series, epoch boundaries and how it ended. */
export class RunRecord {
  readonly series = new Map<string, Series>();
  /** x positions where a new epoch began. */
  readonly epochMarks: number[] = [];
  status: RunStatus = "running";
  statusDetail = "";

  constructor(readonly label: string) {}

  /** Adds a point, creating the series on first use. Insertion order fixes the legend and colour order. */
  record(name: string, kind: SeriesKind, x: number, y: number): void {
    let s = this.series.get(name);
    if (!s) {
      s = new Series(name, kind);
      this.series.set(name, s);
    }
    s.append(x, y);
  }

  /** Largest x recorded (for the shared x range). */
  maxX(): number {
    let max = -Infinity;
    for (const s of this.series.values()) if (s.length > 0) max = Math.max(max, s.xs.last());
    return max;
  }

  minX(): number {
    let min = Infinity;
    for (const s of this.series.values()) if (s.length > 0) min = Math.min(min, s.xs.get(0));
    return min;
  }
}
