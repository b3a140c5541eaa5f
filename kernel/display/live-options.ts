import type { GroupsOption } from "./metric-groups";

/** Options of the live chart (`new LiveChart(options)` or `new Trainer({ live: options })`). */
export interface LiveOptions {
  /** Chart name; fits in one kernel session that share it are overlaid. Default: the module's class name. */
  name?: string;
  /** x axis: optimizer steps (`globalStep`, default) or batches seen. */
  x?: "step" | "batch";
  /** Panel title → metric names, or a function naming the panel of a metric. Default: prefix before "/". */
  groups?: GroupsOption;
  logScale?: boolean;
  /** EMA weight in [0, 1) (TensorBoard's smoothing slider). Default 0. */
  smoothing?: number;
  /** Live frames per second at most. Default 4. */
  maxFps?: number;
  /** Adds a panel with tensors alive per batch. Default false (a leak is still flagged in the text line). */
  leakPanel?: boolean;
  /** Image grids from `onBatchImages` in their own display. Default true. */
  images?: boolean;
}

export interface ResolvedLiveOptions {
  name?: string;
  x: "step" | "batch";
  groups?: GroupsOption;
  logScale: boolean;
  smoothing: number;
  maxFps: number;
  leakPanel: boolean;
  images: boolean;
}

export function resolveLiveOptions(o: LiveOptions = {}): ResolvedLiveOptions {
  const smoothing = Number(o.smoothing ?? 0);
  const maxFps = Number(o.maxFps ?? 4);
  return {
    name: o.name,
    x: o.x === "batch" ? "batch" : "step",
    groups: o.groups,
    logScale: o.logScale === true,
    smoothing: Number.isFinite(smoothing) ? Math.min(0.999, Math.max(0, smoothing)) : 0,
    maxFps: Number.isFinite(maxFps) && maxFps > 0 ? Math.min(maxFps, 10) : 4,
    leakPanel: o.leakPanel === true,
    images: o.images !== false,
  };
}
