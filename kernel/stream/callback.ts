/**
 * `DashboardCallback`: records every training batch's scalars, the epoch-level logged metrics and (at a low rate)
 * sample image grids into the dashboard hub. The per-batch cost is one pass over the batch's keys to check they
 * are the previous batch's (then the series are already known: no Map lookup, no allocation) and four typed-array
 * stores per value; the network work happens in the server's flush. While a server runs, the callback yields to the event loop every
 * ~16 ms so that connections, pings and frames are served during a training loop that would otherwise starve them.
 */
import type * as tf from "@tensorflow/tfjs";
import { Callback } from "../trainer/callback";
import type { BatchScalars } from "../trainer/hooks";
import type { LightningModule } from "../trainer/module";
import type { Trainer } from "../trainer/trainer";
import type { RunMeta } from "../../extension/protocol";
import { readImageBatches, renderImageGrid, encodePng } from "../display/index";
import { runLabel } from "../display/run-label";
import { colorAt, cssColor } from "../display/palette";
import type { Hub, RunState } from "./hub";
import type { Series } from "./series";

/** What a callback needs from the dashboard: the hub, and optionally a server to start and poll. */
export interface DashboardLink {
  hub: Hub;
  /** Starts the server if needed (a user-added callback starts it lazily on the first fit). */
  ensureStarted?(): Promise<unknown>;
  /** Flushes an overdue frame (cheap); undefined when no server runs. */
  poll?(): void;
  /** Whether a server is running (the callback only yields to the event loop then). */
  readonly serving: boolean;
}

export interface DashboardCallbackOptions {
  /** Minimum time between two image grids of a run, ms (default 2000). */
  imageIntervalMs?: number;
  /** Yield to the event loop at most this often during training, ms (default 16; 0 = never). */
  yieldEveryMs?: number;
}

const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

export class DashboardCallback extends Callback {
  private readonly runs = new WeakMap<object, RunState>();
  private run: RunState | null = null;
  private lastYield = 0;
  private lastImageAt = -Infinity;
  private readonly imageIntervalMs: number;
  private readonly yieldEveryMs: number;
  /** The last batch's keys per source (outputs, logged, progress bar) and their series (null: shown under another source, or over the cap). */
  private layoutRun: RunState | null = null;
  private readonly layoutKeys: string[][] = [[], [], []];
  private readonly layoutSeries: Array<Array<Series | null>> = [[], [], []];

  constructor(protected readonly link: DashboardLink, options: DashboardCallbackOptions = {}) {
    super();
    this.imageIntervalMs = options.imageIntervalMs ?? 2000;
    this.yieldEveryMs = options.yieldEveryMs ?? 16;
  }

  /** The run this callback is recording (null outside fit). */
  get currentRun(): RunState | null {
    return this.run;
  }

  async onFitStart(trainer: Trainer, module: LightningModule): Promise<void> {
    await this.link.ensureStarted?.();
    const hub = this.link.hub;
    const previous = this.runs.get(trainer);
    if (previous && hub.runs.has(previous.meta.id) && trainer.globalStep > 0) {
      hub.updateRun(previous, { status: "running" }); // a second fit of the same trainer continues its run
      this.run = previous;
      return;
    }
    const ordinal = hub.runs.size + 1;
    const meta: Omit<RunMeta, "id"> = {
      name: runLabel(trainer.options.runName, module.hparams, ordinal),
      color: cssColor(colorAt(ordinal - 1)),
      status: "running",
      hparams: scalarParams(module.hparams),
      startedAt: Date.now(),
      backend: trainer.backend || undefined,
    };
    this.run = hub.startRun(meta);
    this.runs.set(trainer, this.run);
  }

  onBatchScalars(_trainer: Trainer, _module: LightningModule, s: BatchScalars): void | Promise<void> {
    const run = this.run;
    if (!run) return;
    const hub = this.link.hub;
    const now = Date.now();
    const t = now - run.meta.startedAt;
    const { outputs, logged, progressBar: bar, globalStep: step, batchesSeen: batch } = s;
    const keys = this.layoutKeys;
    if (this.layoutRun !== run || !sameKeys(outputs, keys[0]) || !sameKeys(logged, keys[1]) || !sameKeys(bar, keys[2])) this.relayout(hub, run, s);
    const series = this.layoutSeries;
    pushAll(hub, outputs, series[0], step, batch, t);
    pushAll(hub, logged, series[1], step, batch, t);
    pushAll(hub, bar, series[2], step, batch, t);
    hub.touch();
    if (!this.link.serving) return;
    if (this.yieldEveryMs <= 0) return this.link.poll?.(); // timers may be starved: flush an overdue frame here
    if (now - this.lastYield >= this.yieldEveryMs) {
      this.lastYield = now;
      return yieldNow(); // the server's timers (frames, pings, new connections) run now
    }
  }

  /** The batch's keys changed (or a new run): look their series up once; later batches reuse them. */
  private relayout(hub: Hub, run: RunState, s: BatchScalars): void {
    this.layoutRun = run;
    const seen = new Set<string>();
    [s.outputs, s.logged, s.progressBar].forEach((values, src) => {
      const keys: string[] = (this.layoutKeys[src] = []);
      const series: Array<Series | null> = (this.layoutSeries[src] = []);
      for (const k in values) {
        keys.push(k);
        series.push(seen.has(k) ? null : (hub.seriesFor(run, k) ?? null));
        seen.add(k);
      }
    });
  }

  onValidationEnd(trainer: Trainer): void {
    this.appendEpochMetrics(trainer);
  }

  onTrainEpochEnd(trainer: Trainer): void {
    this.appendEpochMetrics(trainer);
  }

  async onBatchImages(_trainer: Trainer, _module: LightningModule, images: Record<string, tf.Tensor>, info: { globalStep: number }): Promise<void> {
    const run = this.run;
    const now = Date.now();
    if (!run || now - this.lastImageAt < this.imageIntervalMs) return;
    this.lastImageAt = now;
    const batches = await readImageBatches(images); // the tensors are only valid during this hook
    if (batches.length === 0) return;
    // Rendering and encoding can wait for the event loop: the pixels are copied already.
    setImmediate(() => {
      const canvas = renderImageGrid(batches);
      const png = encodePng(canvas.width, canvas.height, canvas.pixels);
      this.link.hub.setImage(run, {
        run: run.meta.id, step: info.globalStep, names: batches.map((b) => b.name),
        src: `data:image/png;base64,${png.toString("base64")}`, width: canvas.width, height: canvas.height,
      });
    });
  }

  onFitEnd(trainer: Trainer): void {
    this.finish(trainer.interrupted ? "interrupted" : "finished");
  }

  onException(_trainer: Trainer, _module: LightningModule, error: unknown): void {
    this.finish((error as Error | null)?.name === "TrainingInterrupted" ? "interrupted" : "failed");
  }

  private finish(status: RunMeta["status"]): void {
    if (!this.run) return;
    this.link.hub.updateRun(this.run, { status });
    this.link.poll?.();
    this.run = null;
  }

  /** Logged metrics that are not per-batch series (validation, `onEpoch` reductions), at the current step. */
  private appendEpochMetrics(trainer: Trainer): void {
    const run = this.run;
    if (!run) return;
    const values: Record<string, number> = {};
    let any = false;
    for (const [k, v] of Object.entries(trainer.loggedMetrics)) {
      if (k === "epoch" || run.batchKeys.has(k) || typeof v !== "number") continue;
      const last = this.link.hub.last(run, k);
      if (last && last.step === trainer.globalStep && Object.is(last.y, v)) continue;
      values[k] = v;
      any = true;
    }
    if (any) this.link.hub.append(run, trainer.globalStep, trainer.batchesSeen, Date.now() - run.meta.startedAt, values, false);
  }
}

/** Whether `values` has exactly `keys`, in that order. */
function sameKeys(values: Record<string, number>, keys: string[]): boolean {
  let i = 0;
  for (const k in values) if (keys[i++] !== k) return false;
  return i === keys.length;
}

function pushAll(hub: Hub, values: Record<string, number>, series: Array<Series | null>, step: number, batch: number, t: number): void {
  let i = 0;
  for (const k in values) {
    const s = series[i++];
    if (s) hub.pushTo(s, step, batch, t, values[k]);
  }
}

function scalarParams(hparams: Record<string, unknown>): RunMeta["hparams"] {
  const out: RunMeta["hparams"] = {};
  for (const [k, v] of Object.entries(hparams ?? {})) {
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean" || v === null) out[k] = typeof v === "string" ? v.slice(0, 200) : v;
    else if (Array.isArray(v) && v.length <= 16 && v.every((x) => typeof x === "number")) out[k] = `[${v.join(", ")}]`;
  }
  return out;
}
