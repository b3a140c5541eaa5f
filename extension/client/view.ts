/**
 * The page: a runs list (show/hide, rename, colour, hyper-parameters on hover), one Plotly panel per metric group,
 * and the latest sample grid per run. Redraws are coalesced (at most one per animation frame, and no more often
 * than twice the last redraw's cost) and only touch panels whose series changed. `Plotly.react` with a constant
 * `uirevision` keeps the user's zoom; a zoomed panel is re-thinned from the full-resolution columns.
 *
 * Drawing cost is what Plotly does per trace and per point, so each trace gets ~2 points per pixel of plot width
 * (min/max per pixel column, from the store's pyramid), the faint raw trace behind a smoothed one is drawn only in
 * a zoomed panel, and a panel with many points uses `scattergl` where WebGL runs on a GPU (software WebGL is no
 * faster than SVG). The runs list is patched in place, so a status update never takes the focus from a rename box.
 */
import type { ClientMessage } from "../protocol";
import type { ClientRun, ClientSeries, ClientStore, XAxis } from "./store";

interface PlotlyApi {
  react(el: HTMLElement, data: object[], layout: object, config?: object): Promise<unknown>;
  purge(el: HTMLElement): void;
}
interface PlotlyDiv extends HTMLDivElement {
  on?(event: string, fn: (e: Record<string, unknown>) => void): void;
  data?: Array<{ x: unknown[] }>;
}

export interface Prefs {
  xAxis: XAxis;
  log: boolean;
  smoothing: number;
  hidden: string[];
}

const prefsKey = "tslab-lightning-dashboard";

function loadPrefs(): Prefs {
  const fallback: Prefs = { xAxis: "step", log: false, smoothing: 0.6, hidden: [] };
  try {
    const p = JSON.parse(localStorage.getItem(prefsKey) ?? "{}") as Partial<Prefs>;
    return {
      xAxis: p.xAxis === "batch" || p.xAxis === "time" ? p.xAxis : "step",
      log: p.log === true,
      smoothing: typeof p.smoothing === "number" && p.smoothing >= 0 && p.smoothing < 1 ? p.smoothing : fallback.smoothing,
      hidden: Array.isArray(p.hidden) ? p.hidden.filter((x) => typeof x === "string") : [],
    };
  } catch {
    return fallback;
  }
}

interface RunRow {
  row: HTMLLIElement;
  show: HTMLInputElement;
  color: HTMLInputElement;
  name: HTMLInputElement;
  status: HTMLSpanElement;
}

/** Points in a panel above which it is drawn with WebGL (when a GPU draws it). */
const glPointThreshold = 20_000;

interface Panel {
  group: string;
  card: HTMLElement;
  plot: PlotlyDiv;
  /** x range the user zoomed to (null: everything). */
  range: [number, number] | null;
  /** Sum of the drawn series' versions at the last draw. */
  drawnVersion: string;
  /** performance.now() of the last draw (the stalest dirty panel is drawn first). */
  drawnAt: number;
}

/** A redraw stops starting new panels after this long; the rest follow in the next animation frame. */
const renderBudgetMs = 50;

const axisTitle: Record<XAxis, string> = { step: "global step", batch: "batches", time: "seconds" };

export class View {
  prefs = loadPrefs();
  readonly panels = new Map<string, Panel>();
  /** Redraw statistics (read by tests and the benchmark). */
  readonly stats = { renders: 0, lastRenderMs: 0, maxRenderMs: 0, totalRenderMs: 0, pointsDrawn: 0 };
  private scheduled = false;
  private lastRenderAt = 0;
  private allDirty = true;
  /** Panels left dirty by the last render (its time budget ran out). */
  pendingPanels = 0;
  private readonly hidden: Set<string>;
  private readonly rows = new Map<string, RunRow>();
  /** Whether `scattergl` is worth it here (null: not probed yet). */
  private gpu: boolean | null = null;

  constructor(
    private readonly store: ClientStore,
    private readonly plotly: PlotlyApi,
    private readonly send: (m: ClientMessage) => void,
    private readonly els: { panels: HTMLElement; runs: HTMLElement; samples: HTMLElement; hover: HTMLElement; controls: HTMLElement },
  ) {
    this.hidden = new Set(this.prefs.hidden);
    this.buildControls();
  }

  /** Everything changed (new session, axis, scale or smoothing). */
  invalidate(): void {
    this.allDirty = true;
    this.schedule();
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = Math.max(0, this.lastRenderAt + Math.max(100, 2 * this.stats.lastRenderMs) - performance.now());
    setTimeout(() => requestAnimationFrame(() => void this.render()), wait);
  }

  reset(): void {
    for (const p of this.panels.values()) {
      this.plotly.purge(p.plot);
      p.card.remove();
    }
    this.panels.clear();
    for (const r of this.rows.values()) r.row.remove();
    this.rows.clear();
    this.renderRuns();
    this.renderSamples();
    this.invalidate();
  }

  /**
   * Redraws the panels whose data, runs or settings changed, stalest first, until `renderBudgetMs` is spent; any
   * left over are drawn in the next animation frame (so one update never blocks the page for long).
   */
  async render(): Promise<void> {
    this.scheduled = false;
    const t0 = performance.now();
    const groups = this.store.groups();
    const bySeries = new Map<string, ClientSeries[]>();
    for (const s of this.store.series.values()) {
      const list = bySeries.get(s.group) ?? [];
      list.push(s);
      bySeries.set(s.group, list);
    }
    if (this.allDirty) for (const p of this.panels.values()) p.drawnVersion = "";
    this.allDirty = false;
    const runsVersion = this.runsVersion();
    const dirty: Array<{ panel: Panel; series: ClientSeries[]; version: string }> = [];
    for (const group of groups) {
      const panel = this.panels.get(group) ?? this.addPanel(group);
      const series = (bySeries.get(group) ?? []).filter((s) => !this.hidden.has(s.run));
      const version = `${series.map((s) => `${s.run}|${s.key}@${s.version}`).join(",")}|${runsVersion}`;
      if (version !== panel.drawnVersion) dirty.push({ panel, series, version });
    }
    for (const [group, panel] of this.panels) {
      if (!groups.includes(group)) {
        this.plotly.purge(panel.plot);
        panel.card.remove();
        this.panels.delete(group);
      }
    }
    dirty.sort((a, b) => a.panel.drawnAt - b.panel.drawnAt);
    let points = 0;
    let drawn = 0;
    for (const { panel, series, version } of dirty) {
      if (drawn > 0 && performance.now() - t0 > renderBudgetMs) break;
      panel.drawnVersion = version;
      panel.drawnAt = performance.now();
      const traces = this.traces(panel, series);
      for (const t of traces) points += (t.x as unknown[]).length;
      await this.plotly.react(panel.plot, traces, this.layout(panel.group), { responsive: true, displaylogo: false });
      drawn++;
    }
    this.pendingPanels = dirty.length - drawn;
    this.watchZoom();
    const ms = performance.now() - t0;
    this.lastRenderAt = performance.now();
    if (drawn > 0) {
      this.stats.renders++;
      this.stats.lastRenderMs = ms;
      this.stats.maxRenderMs = Math.max(this.stats.maxRenderMs, ms);
      this.stats.totalRenderMs += ms;
      this.stats.pointsDrawn = points;
    }
    if (this.pendingPanels > 0 && !this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => void this.render());
    }
  }

  // ---- runs list ----

  /**
   * Brings the runs list up to date by patching rows in place: new runs get a row, removed runs lose theirs, and
   * an input the user is in (typing a new name, picking a colour) keeps its element, its focus and its text.
   */
  renderRuns(): void {
    const list = this.els.runs;
    for (const [id, r] of this.rows) {
      if (!this.store.runs.has(id)) {
        r.row.remove();
        this.rows.delete(id);
      }
    }
    let prev: Element | null = null;
    for (const run of this.store.runs.values()) {
      const r = this.rows.get(run.id) ?? this.addRow(run.id);
      const focused = document.activeElement;
      r.row.className = `run run-${run.status}`;
      r.show.checked = !this.hidden.has(run.id);
      if (focused !== r.color && r.color.value !== run.color) r.color.value = run.color;
      if (focused !== r.name && r.name.value !== run.name) r.name.value = run.name;
      if (r.status.textContent !== run.status) r.status.textContent = run.status;
      // Keep the store's order; moving the focused row would blur its input, so others move around it.
      const want: Element | null = prev ? prev.nextElementSibling : list.firstElementChild;
      if (want !== r.row && !r.row.contains(focused)) list.insertBefore(r.row, want);
      prev = r.row;
    }
  }

  private addRow(id: string): RunRow {
    const row = document.createElement("li");
    const show = document.createElement("input");
    show.type = "checkbox";
    show.title = "show / hide";
    show.onchange = () => {
      if (show.checked) this.hidden.delete(id);
      else this.hidden.add(id);
      this.savePrefs();
      this.invalidate();
      this.renderSamples();
    };
    const color = document.createElement("input");
    color.type = "color";
    color.title = "colour";
    color.onchange = () => this.send({ type: "color", run: id, color: color.value });
    const name = document.createElement("input");
    name.type = "text";
    name.className = "run-name";
    name.maxLength = 80;
    name.title = "rename";
    name.onchange = () => this.send({ type: "rename", run: id, name: name.value });
    // Enter commits (change fires); Escape puts the current name back.
    name.onkeydown = (e) => {
      if (e.key === "Escape") {
        name.value = this.store.runs.get(id)?.name ?? name.value;
        name.blur();
      }
    };
    const status = document.createElement("span");
    status.className = "run-status";
    row.append(show, color, name, status);
    row.onmouseenter = () => {
      const run = this.store.runs.get(id);
      if (run) this.showHover(row, run);
    };
    row.onmouseleave = () => (this.els.hover.hidden = true);
    const r: RunRow = { row, show, color, name, status };
    this.rows.set(id, r);
    return r;
  }

  renderSamples(): void {
    const box = this.els.samples;
    box.textContent = "";
    for (const run of this.store.runs.values()) {
      if (!run.image || this.hidden.has(run.id)) continue;
      const fig = document.createElement("figure");
      const img = document.createElement("img");
      img.src = run.image.src;
      img.alt = `${run.name} samples`;
      const cap = document.createElement("figcaption");
      cap.textContent = `${run.name} · step ${run.image.step} · ${run.image.names.join(", ")}`;
      cap.style.borderColor = run.color;
      fig.append(img, cap);
      box.append(fig);
    }
  }

  private showHover(row: HTMLElement, run: ClientRun): void {
    const card = this.els.hover;
    card.textContent = "";
    const title = document.createElement("div");
    title.className = "hover-title";
    title.textContent = `${run.name} (${run.status}${run.backend ? `, ${run.backend}` : ""})`;
    const table = document.createElement("table");
    const entries = Object.entries(run.hparams);
    for (const [k, v] of entries.length ? entries : [["(no hyper-parameters)", ""] as [string, unknown]]) {
      const tr = document.createElement("tr");
      const a = document.createElement("td");
      const b = document.createElement("td");
      a.textContent = k;
      b.textContent = String(v);
      tr.append(a, b);
      table.append(tr);
    }
    const started = document.createElement("div");
    started.className = "hover-started";
    started.textContent = `started ${new Date(run.startedAt).toLocaleString()}`;
    card.append(title, table, started);
    const r = row.getBoundingClientRect();
    card.style.left = `${r.right + 8}px`;
    card.style.top = `${r.top}px`;
    card.hidden = false;
  }

  // ---- panels ----

  private addPanel(group: string): Panel {
    const card = document.createElement("section");
    card.className = "panel";
    const h = document.createElement("h2");
    h.textContent = group;
    const plot = document.createElement("div") as PlotlyDiv;
    plot.className = "plot";
    card.append(h, plot);
    // Keep panels ordered by group name.
    const after = [...this.panels.values()].map((p) => p.card).find((c) => (c.querySelector("h2")?.textContent ?? "") > group);
    this.els.panels.insertBefore(card, after ?? null);
    const panel: Panel = { group, card, plot, range: null, drawnVersion: "", drawnAt: 0 };
    this.panels.set(group, panel);
    return panel;
  }

  private layout(group: string): object {
    return {
      uirevision: `${this.prefs.xAxis}|${this.prefs.log}`,
      margin: { l: 56, r: 12, t: 8, b: 40 },
      height: 300,
      showlegend: false,
      hovermode: "closest",
      xaxis: { title: { text: axisTitle[this.prefs.xAxis] }, zeroline: false },
      yaxis: { type: this.prefs.log ? "log" : "linear", title: { text: group }, zeroline: false, exponentformat: "e" },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
    };
  }

  private traces(panel: Panel, series: ClientSeries[]): Array<Record<string, unknown>> {
    const axis = this.prefs.xAxis;
    const w = this.prefs.smoothing;
    // ~2 points (min and max) per pixel column of the plot area.
    const pixels = Math.max(100, Math.round((panel.plot.clientWidth || 600) - 68));
    const multiKey = new Set(series.map((s) => s.key)).size > 1;
    const out: Array<Record<string, unknown>> = [];
    const lines: Array<Record<string, unknown>> = [];
    let points = 0;
    for (const s of series) {
      const run = this.store.runs.get(s.run);
      const name = `${run?.name ?? s.run}${multiKey ? ` · ${s.key}` : ""}`;
      const color = run?.color ?? "#888888";
      const idx = panel.range ? s.drawIndicesInRange(axis, panel.range[0], panel.range[1], pixels) : s.drawIndices(pixels);
      const xs = s.column(axis);
      const x = gather(xs, idx);
      const hover = `<b>${esc(name)}</b><br>${esc(s.key)}: %{y:.4g}<br>${axis}: %{x}${run ? hparamsHover(run) : ""}<extra></extra>`;
      const base = { type: "scatter", mode: "lines", x, name, meta: { run: s.run, key: s.key }, hovertemplate: hover };
      if (w > 0) {
        const sm = s.smoothed(w);
        // The raw values behind the smoothed line only where they can be told apart: in a zoomed panel.
        if (panel.range) lines.push({ ...base, y: gather(s.y, idx), line: { color, width: 1 }, opacity: 0.25, hoverinfo: "skip", hovertemplate: undefined });
        // The smoothed line has no pixel-scale zigzag to keep: one point per pixel column is enough.
        const one = idx.length > pixels ? everyOther(idx) : idx;
        lines.push({ ...base, x: gather(xs, one), y: gather(sm, one), line: { color, width: 1.6 } });
      } else {
        lines.push({ ...base, y: gather(s.y, idx), line: { color, width: 1.4 } });
      }
      points += (panel.range || w <= 0 ? 1 : 0.5) * idx.length + (panel.range && w > 0 ? idx.length : 0);
      if (s.markers.length) {
        out.push({
          type: "scatter", mode: "markers", name: `${name} NaN/Inf`,
          x: s.markers.map((i) => xs[i]), y: s.markers.map((i) => s.finiteBefore(i)),
          marker: { symbol: "x", color: "#dc0000", size: 8 },
          hovertemplate: `<b>${esc(name)}</b><br>${esc(s.key)} is not finite<br>${axis}: %{x}<extra></extra>`,
        });
      }
    }
    if (points > glPointThreshold && this.hasGpu()) for (const t of lines) t.type = "scattergl";
    return [...lines, ...out];
  }

  /** A hardware WebGL context (SwiftShader, llvmpipe and friends draw no faster than SVG). */
  private hasGpu(): boolean {
    if (this.gpu !== null) return this.gpu;
    this.gpu = false;
    try {
      const gl = document.createElement("canvas").getContext("webgl");
      const info = gl?.getExtension("WEBGL_debug_renderer_info");
      const renderer = gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
      this.gpu = !!gl && !/swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
      gl?.getExtension("WEBGL_lose_context")?.loseContext();
    } catch {
      // no WebGL
    }
    return this.gpu;
  }

  private runsVersion(): string {
    return [...this.store.runs.values()].map((r) => `${r.name}${r.color}`).join("|");
  }

  // ---- controls ----

  private buildControls(): void {
    const c = this.els.controls;
    const axis = c.querySelector<HTMLSelectElement>("#x-axis")!;
    const log = c.querySelector<HTMLInputElement>("#log-scale")!;
    const smooth = c.querySelector<HTMLInputElement>("#smoothing")!;
    const smoothValue = c.querySelector<HTMLElement>("#smoothing-value")!;
    axis.value = this.prefs.xAxis;
    log.checked = this.prefs.log;
    smooth.value = String(this.prefs.smoothing);
    smoothValue.textContent = this.prefs.smoothing.toFixed(2);
    axis.onchange = () => {
      this.prefs.xAxis = axis.value as XAxis;
      for (const p of this.panels.values()) p.range = null;
      this.savePrefs();
      this.invalidate();
    };
    log.onchange = () => {
      this.prefs.log = log.checked;
      this.savePrefs();
      this.invalidate();
    };
    smooth.oninput = () => {
      this.prefs.smoothing = Number(smooth.value);
      smoothValue.textContent = this.prefs.smoothing.toFixed(2);
      this.savePrefs();
      this.invalidate();
    };
  }

  /** Zooming a panel re-thins it from full resolution (Plotly adds `.on` to a div at its first draw). */
  private watchZoom(): void {
    for (const p of this.panels.values()) {
      if ((p.plot as unknown as { _zoomWatched?: boolean })._zoomWatched || !p.plot.on) continue;
      (p.plot as unknown as { _zoomWatched?: boolean })._zoomWatched = true;
      p.plot.on("plotly_relayout", (e) => {
        const a = e["xaxis.range[0]"];
        const b = e["xaxis.range[1]"];
        if (typeof a === "number" && typeof b === "number") p.range = [a, b];
        else if (e["xaxis.autorange"] === true) p.range = null;
        else return;
        p.drawnVersion = "";
        this.schedule();
      });
    }
  }

  private savePrefs(): void {
    this.prefs.hidden = [...this.hidden];
    try {
      localStorage.setItem(prefsKey, JSON.stringify(this.prefs));
    } catch {
      // private mode: preferences last for this page only
    }
  }
}

/** Every second index of a min/max list (about one per bucket), keeping the last. */
function everyOther(idx: number[]): number[] {
  const out: number[] = [];
  for (let k = 1; k < idx.length; k += 2) out.push(idx[k]);
  if (out[out.length - 1] !== idx[idx.length - 1]) out.push(idx[idx.length - 1]);
  return out;
}

/** xs[idx[k]] as a plain array (what Plotly takes fastest). */
function gather(xs: ArrayLike<number>, idx: number[]): number[] {
  const out = new Array<number>(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = xs[idx[k]];
  return out;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/%\{/g, "%\u200b{");
}

function hparamsHover(run: ClientRun): string {
  const entries = Object.entries(run.hparams).slice(0, 8);
  return entries.length ? `<br>${entries.map(([k, v]) => esc(`${k}=${v}`)).join("<br>")}` : "";
}
