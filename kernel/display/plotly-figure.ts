/**
 * The final, interactive chart as `application/vnd.plotly.v1+json` figure JSON ({data, layout}) from the same
 * decimated data as the live frames; plotly.js itself is never sent (the frontend's renderer provides it).
 */
import type { ChartData, TraceData } from "./chart-data";
import { escapeXml } from "./escape";
import { colorAt, cssColor, markerColor } from "./palette";

export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

export interface FigureOptions {
  title: string;
  xLabel: string;
  logScale: boolean;
}

/** Five significant digits: enough for a chart, a third of the bytes of a full double. */
const compact = (v: number) => +v.toPrecision(5);

function traceJson(t: TraceData, axis: string, multiRun: boolean): Record<string, unknown> {
  const name = multiRun ? `${t.series} · ${t.runLabel}` : t.series;
  return {
    type: "scatter",
    mode: t.kind === "batch" ? "lines" : "lines+markers",
    name: escapeXml(name),
    legendgroup: escapeXml(multiRun ? t.runLabel : t.series),
    showlegend: t.role !== "raw",
    x: t.x,
    y: t.y.map(compact),
    xaxis: `x${axis}`,
    yaxis: `y${axis}`,
    opacity: (t.faded ? 0.35 : 1) * (t.role === "raw" ? 0.3 : 1),
    line: { color: cssColor(colorAt(t.colorIndex)), width: t.faded ? 1 : 1.5 },
  };
}

export function buildPlotlyFigure(chart: ChartData, opts: FigureOptions): PlotlyFigure {
  const cols = chart.panels.length > 1 ? 2 : 1;
  const rows = Math.max(1, Math.ceil(chart.panels.length / cols));
  const multiRun = chart.runLabels.length > 1;
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: escapeXml(opts.title) },
    height: 80 + rows * 260,
    grid: { rows, columns: cols, pattern: "independent" },
    uirevision: "tslab-lightning",
    margin: { l: 60, r: 20, t: 60, b: 40 },
    annotations: [] as unknown[],
    shapes: [] as unknown[],
  };
  chart.panels.forEach((panel, i) => {
    const axis = i === 0 ? "" : String(i + 1);
    let yMax = -Infinity;
    let yMin = Infinity;
    for (const t of panel.traces) {
      data.push(traceJson(t, axis, multiRun));
      for (const y of t.y) (yMax = Math.max(yMax, y)), (yMin = Math.min(yMin, y));
    }
    // NaN/Inf values as red markers pinned to the panel's extreme, with the value in the hover text.
    const marks = panel.traces.flatMap((t) => t.markers);
    if (marks.length > 0) {
      const top = Number.isFinite(yMax) ? compact(yMax) : 0;
      const bottom = Number.isFinite(yMin) ? compact(yMin) : 0;
      data.push({
        type: "scatter", mode: "markers", name: "NaN/Inf", showlegend: false, xaxis: `x${axis}`, yaxis: `y${axis}`,
        x: marks.map((m) => m.x), y: marks.map((m) => (m.kind === "-inf" ? bottom : top)), text: marks.map((m) => m.kind),
        hoverinfo: "x+text", marker: { symbol: "x", color: cssColor(markerColor), size: 8 },
      });
    }
    layout[`xaxis${axis}`] = { title: { text: escapeXml(opts.xLabel) }, ...(i > 0 ? { matches: "x" } : {}) };
    layout[`yaxis${axis}`] = { title: { text: escapeXml(panel.title) }, ...(opts.logScale ? { type: "log" } : {}) };
    for (const e of chart.epochMarks) {
      (layout.shapes as unknown[]).push({
        type: "line", xref: `x${axis}`, yref: `y${axis} domain`, x0: e, x1: e, y0: 0, y1: 1,
        line: { color: "#999", width: 1, dash: "dot" },
      });
    }
  });
  return { data, layout };
}
