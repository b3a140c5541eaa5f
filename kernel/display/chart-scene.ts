/** Lays out a ChartData as panels in pixels: axes, ticks, epoch marks, traces, NaN/Inf markers, legends. */
import type { ChartData, PanelData, TraceData } from "./chart-data";
import { colorAt, markerColor } from "./palette";
import { charWidth, type RGB, type Scene } from "./scene";
import { formatNumber, logTicks, niceTicks } from "./ticks";

export interface SceneOptions {
  width: number;
  panelHeight: number;
  title: string;
  xLabel: string;
  logScale: boolean;
}

const ink: RGB = [40, 40, 40];
const grid: RGB = [226, 226, 226];
const epochInk: RGB = [150, 150, 150];
const header = 20;
const margin = { left: 50, right: 10, top: 20, bottom: 32 };
const fadedOpacity = 0.3;

const r1 = (v: number) => Math.round(v * 10) / 10;

export function buildScene(data: ChartData, opts: SceneOptions): Scene {
  const cols = data.panels.length > 1 ? 2 : 1;
  const rows = Math.max(1, Math.ceil(data.panels.length / cols));
  const scene: Scene = {
    width: opts.width,
    height: header + rows * opts.panelHeight,
    background: [255, 255, 255],
    rects: [],
    lines: [],
    dots: [],
    markers: [],
    texts: [],
  };
  drawHeader(scene, data, opts);
  const panelW = opts.width / cols;
  data.panels.forEach((p, i) => {
    const left = (i % cols) * panelW + margin.left;
    const top = header + Math.floor(i / cols) * opts.panelHeight + margin.top;
    drawPanel(scene, data, p, opts, { left, top, w: panelW - margin.left - margin.right, h: opts.panelHeight - margin.top - margin.bottom });
  });
  return scene;
}

function drawHeader(scene: Scene, data: ChartData, opts: SceneOptions): void {
  scene.texts.push({ x: 4, y: 14, text: opts.title, anchor: "start", color: ink });
  if (data.runLabels.length < 2) return;
  // Run legend, newest last: earlier runs are drawn faded.
  let x = Math.max(opts.width * 0.45, 8 + opts.title.length * charWidth);
  data.runLabels.forEach((label, i) => {
    const opacity = i === data.runLabels.length - 1 ? 1 : fadedOpacity;
    scene.lines.push({ points: [x, 10, x + 14, 10], color: ink, opacity, width: 2 });
    scene.texts.push({ x: x + 18, y: 14, text: label, anchor: "start", color: ink });
    x += 28 + label.length * charWidth;
  });
}

interface Box { left: number; top: number; w: number; h: number }

function yRange(panel: PanelData, log: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of panel.traces) {
    for (const y of t.y) {
      const v = log ? Math.log10(y) : y;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi >= lo)) return [0, 1];
  if (hi - lo <= Math.abs(hi) * 1e-9) return [lo - (Math.abs(lo) * 0.1 || 1), hi + (Math.abs(hi) * 0.1 || 1)];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

function drawPanel(scene: Scene, data: ChartData, panel: PanelData, opts: SceneOptions, box: Box): void {
  const [lo, hi] = yRange(panel, opts.logScale);
  const xSpan = data.xMax - data.xMin || 1;
  const px = (x: number) => r1(box.left + ((x - data.xMin) / xSpan) * box.w);
  const py = (y: number) => r1(box.top + box.h - (((opts.logScale ? Math.log10(y) : y) - lo) / (hi - lo)) * box.h);
  const bottom = box.top + box.h;

  const yTicks = opts.logScale ? logTicks(lo, hi) : niceTicks(lo, hi);
  for (const t of yTicks) {
    const y = r1(box.top + box.h - ((t - lo) / (hi - lo)) * box.h);
    scene.lines.push({ points: [box.left, y, box.left + box.w, y], color: grid, opacity: 1, width: 1 });
    scene.texts.push({ x: box.left - 4, y: y + 4, text: opts.logScale ? formatNumber(Math.pow(10, t)) : formatNumber(t), anchor: "end", color: ink });
  }
  for (const t of niceTicks(data.xMin, data.xMax, Math.max(2, Math.floor(box.w / 90)))) {
    scene.texts.push({ x: px(t), y: bottom + 13, text: formatNumber(t), anchor: "middle", color: ink });
  }
  scene.texts.push({ x: box.left + box.w / 2, y: bottom + 27, text: opts.xLabel, anchor: "middle", color: epochInk });
  for (const e of data.epochMarks) {
    if (e > data.xMin && e < data.xMax) scene.lines.push({ points: [px(e), box.top, px(e), bottom], color: epochInk, opacity: 1, width: 1, dashed: true });
  }
  scene.rects.push({ x: box.left, y: box.top, w: box.w, h: box.h, stroke: ink });

  for (const t of panel.traces) drawTrace(scene, t, px, py, box);
  drawPanelLegend(scene, panel, box);
}

function drawTrace(scene: Scene, t: TraceData, px: (x: number) => number, py: (y: number) => number, box: Box): void {
  const color = colorAt(t.colorIndex);
  const opacity = (t.faded ? fadedOpacity : 1) * (t.role === "raw" ? 0.3 : 1);
  const points: number[] = [];
  for (let i = 0; i < t.x.length; i++) points.push(px(t.x[i]), py(t.y[i]));
  if (points.length >= 4) scene.lines.push({ points, color, opacity, width: t.faded ? 1 : 1.5 });
  if (t.kind !== "batch" && t.role !== "raw") {
    for (let i = 0; i < points.length; i += 2) scene.dots.push({ x: points[i], y: points[i + 1], color, opacity });
  }
  for (const m of t.markers) {
    scene.markers.push({ x: px(m.x), y: m.kind === "-inf" ? box.top + box.h - 5 : box.top + 5, kind: m.kind, color: markerColor });
  }
}

function drawPanelLegend(scene: Scene, panel: PanelData, box: Box): void {
  scene.texts.push({ x: box.left, y: box.top - 6, text: panel.title, anchor: "start", color: ink });
  let x = box.left + panel.title.length * charWidth + 14;
  const seen = new Set<string>();
  for (const t of panel.traces) {
    if (t.faded || t.role === "raw" || seen.has(t.series)) continue;
    seen.add(t.series);
    // Within a group panel the group prefix is implied: "gan/dLoss" reads "dLoss".
    const label = t.series.startsWith(`${panel.title}/`) ? t.series.slice(panel.title.length + 1) : t.series;
    const width = 20 + label.length * charWidth;
    if (x + width > box.left + box.w) break;
    scene.lines.push({ points: [x, box.top - 10, x + 12, box.top - 10], color: colorAt(t.colorIndex), opacity: 1, width: 2 });
    scene.texts.push({ x: x + 15, y: box.top - 6, text: label, anchor: "start", color: ink });
    x += width + 6;
  }
}
