/**
 * The two kinds of chart bundle. Live frames: SVG + text/plain (redraws on update in every frontend).
 * Final frame: plotly figure JSON + PNG + text/plain (interactive where plotly renders, PNG on GitHub/nbviewer).
 * Both shrink their decimation until they fit their byte budget.
 */
import { buildChartData, coarsenChartData, type ChartData } from "./chart-data";
import { buildScene } from "./chart-scene";
import type { MimeBundle } from "./display-sink";
import type { GroupsOption } from "./metric-groups";
import { buildPlotlyFigure } from "./plotly-figure";
import { renderPng } from "./png-render";
import type { RunRecord } from "./run-record";
import { renderSvg } from "./svg-render";

export interface FrameOptions {
  title: string;
  xLabel: string;
  groups?: GroupsOption;
  logScale: boolean;
  smoothing: number;
}

export const chartWidth = 800;
export const panelHeight = 200;
/** A live frame at 4/s must stay well under the 100 KB/s budget. */
export const liveFrameMaxBytes = 24_000;
/** Plotly JSON share of the ≤ 256 KB saved output (the PNG and text take the rest). */
export const figureMaxBytes = 150_000;
const maxBucketsPerSeries = 500;
const minBuckets = 16;

function chartData(runs: RunRecord[], o: FrameOptions, buckets: number): ChartData {
  return buildChartData(runs, {
    groups: o.groups, logScale: o.logScale, smoothing: o.smoothing, buckets, earlierBuckets: Math.max(minBuckets, Math.floor(buckets / 3)),
  });
}

function traceCount(runs: RunRecord[], smoothing: number): number {
  let n = 0;
  for (const r of runs) n += r.series.size * (smoothing > 0 ? 2 : 1);
  return Math.max(1, n);
}

/**
 * Decimates once at `start` buckets, then halves (re-decimating the decimated points, which is cheap) until
 * `render` fits `maxBytes` or the floor is reached.
 */
function fitToBudget<T>(runs: RunRecord[], o: FrameOptions, start: number, maxBytes: number, render: (data: ChartData) => { value: T; bytes: number }): T {
  let buckets = Math.max(minBuckets, Math.min(maxBucketsPerSeries, start));
  let data = chartData(runs, o, buckets);
  for (;;) {
    const r = render(data);
    if (r.bytes <= maxBytes || buckets <= minBuckets) return r.value;
    buckets = Math.max(minBuckets, Math.floor(buckets / 2));
    data = coarsenChartData(data, buckets);
  }
}

/** About this many bytes per point: "123.4,56.7 " in SVG, "12345,0.12345," in JSON. */
const svgBytesPerPoint = 11;
const jsonBytesPerPoint = 16;

export function liveBundle(runs: RunRecord[], o: FrameOptions, text: string): MimeBundle {
  const plotWidth = chartWidth / 2 - 60;
  const start = Math.min(plotWidth, Math.floor((0.8 * liveFrameMaxBytes) / (2 * svgBytesPerPoint * traceCount(runs, o.smoothing))));
  const svg = fitToBudget(runs, o, start, liveFrameMaxBytes, (data) => {
    const s = renderSvg(buildScene(data, { width: chartWidth, panelHeight, title: o.title, xLabel: o.xLabel, logScale: o.logScale }));
    return { value: s, bytes: s.length };
  });
  return { "image/svg+xml": svg, "text/plain": text };
}

export function finalBundle(runs: RunRecord[], o: FrameOptions, text: string): MimeBundle {
  const start = Math.floor((0.8 * figureMaxBytes) / (2 * jsonBytesPerPoint * traceCount(runs, o.smoothing)));
  const { data, figure } = fitToBudget(runs, o, start, figureMaxBytes, (data) => {
    const figure = buildPlotlyFigure(data, { title: o.title, xLabel: o.xLabel, logScale: o.logScale });
    return { value: { data, figure }, bytes: JSON.stringify(figure).length };
  });
  const png = renderPng(buildScene(data, { width: chartWidth, panelHeight, title: o.title, xLabel: o.xLabel, logScale: o.logScale }));
  return {
    "application/vnd.plotly.v1+json": figure,
    "image/png": png.toString("base64"),
    "text/plain": text,
  };
}
