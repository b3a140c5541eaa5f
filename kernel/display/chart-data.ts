/**
 * The chart in data coordinates: runs → panels → decimated traces. Both the pixel scene (SVG/PNG) and the
 * plotly figure are built from this, so every output shows the same points.
 */
import { decimateMinMax, type Marker } from "./decimate";
import { groupOf, type GroupsOption } from "./metric-groups";
import type { RunRecord } from "./run-record";
import type { SeriesKind } from "./series";

export interface ChartDataOptions {
  groups?: GroupsOption;
  logScale: boolean;
  /** EMA weight in [0, 1); 0 = raw only. */
  smoothing: number;
  /** Buckets per series of the newest run (≤ 2 points each). */
  buckets: number;
  /** Buckets per series of earlier runs (they are faded context). */
  earlierBuckets: number;
}

export interface TraceData {
  series: string;
  kind: SeriesKind;
  runIndex: number;
  runLabel: string;
  /** Colour slot, the same for a metric across runs. */
  colorIndex: number;
  /** Earlier run (drawn faded). */
  faded: boolean;
  /** "raw" traces are drawn light when a smoothed twin exists. */
  role: "line" | "raw" | "smoothed";
  x: number[];
  y: number[];
  markers: Marker[];
}

export interface PanelData {
  title: string;
  traces: TraceData[];
}

export interface ChartData {
  panels: PanelData[];
  xMin: number;
  xMax: number;
  /** Epoch boundaries of the newest run. */
  epochMarks: number[];
  runLabels: string[];
}

export function buildChartData(runs: RunRecord[], opts: ChartDataOptions): ChartData {
  let xMin = Infinity;
  let xMax = -Infinity;
  for (const r of runs) {
    xMin = Math.min(xMin, r.minX());
    xMax = Math.max(xMax, r.maxX());
  }
  if (!(xMax >= xMin)) {
    xMin = 0;
    xMax = 1;
  }
  const accept = opts.logScale ? (y: number) => y > 0 : undefined;
  const panels = new Map<string, PanelData>();
  const colorSlots = new Map<string, number>();
  const slotsUsed = new Map<string, number>();
  runs.forEach((run, runIndex) => {
    const newest = runIndex === runs.length - 1;
    const buckets = newest ? opts.buckets : opts.earlierBuckets;
    for (const s of run.series.values()) {
      const title = groupOf(s.name, opts.groups);
      let panel = panels.get(title);
      if (!panel) panels.set(title, (panel = { title, traces: [] }));
      if (!colorSlots.has(s.name)) {
        const used = slotsUsed.get(title) ?? 0;
        colorSlots.set(s.name, used);
        slotsUsed.set(title, used + 1);
      }
      const base = { series: s.name, kind: s.kind, runIndex, runLabel: run.label, colorIndex: colorSlots.get(s.name)!, faded: !newest };
      const xs = s.xs.view();
      const smooth = opts.smoothing > 0 && s.kind === "batch";
      if (!smooth || newest) {
        const d = decimateMinMax(xs, s.ys.view(), xMin, xMax, buckets, accept);
        panel.traces.push({ ...base, role: smooth ? "raw" : "line", ...d });
      }
      if (smooth) {
        const d = decimateMinMax(xs, s.smoothed(opts.smoothing), xMin, xMax, buckets, accept);
        panel.traces.push({ ...base, role: "smoothed", ...d, markers: newest ? [] : d.markers });
      }
    }
  });
  const newestRun = runs[runs.length - 1];
  return {
    panels: [...panels.values()],
    xMin,
    xMax,
    epochMarks: newestRun ? newestRun.epochMarks.slice() : [],
    runLabels: runs.map((r) => r.label),
  };
}

/**
 * The same chart with fewer points: min/max of the already decimated points per coarser bucket. Extremes survive
 * (they are among the input points), and it costs O(points shown), not O(points recorded).
 */
export function coarsenChartData(data: ChartData, buckets: number): ChartData {
  return {
    ...data,
    panels: data.panels.map((p) => ({
      ...p,
      traces: p.traces.map((t) => {
        const d = decimateMinMax(t.x, t.y, data.xMin, data.xMax, t.faded ? Math.max(8, Math.floor(buckets / 3)) : buckets);
        return { ...t, x: d.x, y: d.y };
      }),
    })),
  };
}
