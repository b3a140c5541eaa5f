/**
 * `LiveChart`: the callback that draws training beneath the running cell. Batches only append to typed buffers
 * and mark the chart dirty; one throttled flush renders a frame (SVG + text). At the end of the fit (finished,
 * interrupted or failed) the same display becomes a plotly + PNG + text bundle. Image grids go to a second display.
 */
import type * as tf from "@tensorflow/tfjs";
import { Callback } from "../trainer/callback";
import type { BatchScalars } from "../trainer/hooks";
import { finalBundle, liveBundle, type FrameOptions } from "./chart-frames";
import { DisplayHandle } from "./display-handle";
import type { DisplaySink } from "./display-sink";
import { FrameThrottle } from "./frame-throttle";
import { readImageBatches, renderImageGrid } from "./image-grid";
import { createJupyterSink } from "./jupyter-sink";
import { LeakMonitor } from "./leak-monitor";
import { resolveLiveOptions, type LiveOptions, type ResolvedLiveOptions } from "./live-options";
import { formatSummary, progressLineFor } from "./progress-text";
import { encodePng } from "./raster/png-encode";
import { RateMeter } from "./rate-meter";
import { RunRecord } from "./run-record";
import { startRun } from "./run-registry";
import { runLabel } from "./run-label";
import { systemScheduler, type Scheduler } from "./scheduler";
import { defaultBudget, SendBudget, type BudgetLimits } from "./send-budget";
import { numericEntries, type TrainerView } from "./trainer-view";

/** Injectable parts (tests and benchmarks use a memory sink and a manual clock). */
export interface LiveChartDeps {
  sink?: DisplaySink;
  scheduler?: Scheduler;
  budget?: BudgetLimits;
  /** Minimum ms between image grids. Default 2000. */
  imageIntervalMs?: number;
}

const leakSeries = "tensors/alive";
let runOrdinal = 0;

export class LiveChart extends Callback {
  readonly options: ResolvedLiveOptions;
  /** The chart display (null until fit start, or outside Jupyter without a sink). */
  chart: DisplayHandle | null = null;
  images: DisplayHandle | null = null;
  private throttle: FrameThrottle | null = null;
  private budget: SendBudget;
  private readonly scheduler: Scheduler;
  private run: RunRecord | null = null;
  private runs: RunRecord[] = [];
  private frame: FrameOptions | null = null;
  private rate = new RateMeter();
  private leaks = new LeakMonitor();
  private lastScalars: BatchScalars | null = null;
  private trainer: TrainerView | null = null;
  private startedAt = 0;
  private nextImageAt = 0;
  private validationBefore = new Map<string, number>();
  private imageBusy = false;
  private epochsStarted = 0;

  constructor(options: LiveOptions = {}, private readonly deps: LiveChartDeps = {}) {
    super();
    this.options = resolveLiveOptions(options);
    this.scheduler = deps.scheduler ?? systemScheduler;
    this.budget = new SendBudget(deps.budget ?? defaultBudget);
  }

  onFitStart(trainer: TrainerView, module: { hparams?: unknown; constructor: { name: string } }): void {
    const sink = this.deps.sink ?? createJupyterSink(); // captured now: updates stay under this cell
    if (!sink) return;
    this.trainer = trainer;
    const name = this.options.name ?? (module?.constructor?.name || "training");
    this.run = new RunRecord(runLabel(trainer.options?.runName, module?.hparams, ++runOrdinal));
    this.runs = startRun(name, this.run);
    this.frame = {
      title: name,
      xLabel: this.options.x === "batch" ? "batches" : "optimizer steps",
      groups: this.options.groups,
      logScale: this.options.logScale,
      smoothing: this.options.smoothing,
    };
    this.rate = new RateMeter();
    this.leaks = new LeakMonitor();
    this.budget = new SendBudget(this.deps.budget ?? defaultBudget);
    this.startedAt = this.scheduler.now();
    this.epochsStarted = 0;
    this.nextImageAt = this.startedAt;
    this.chart = new DisplayHandle(sink);
    this.images = this.options.images ? new DisplayHandle(sink) : null;
    this.throttle = new FrameThrottle(this.scheduler, this.budget, 1000 / this.options.maxFps, () =>
      this.chart!.show(liveBundle(this.runs, this.frame!, this.progressLine())),
    );
    // Show the output area at once, so it sits under this cell before any other output.
    this.throttle.flushNow();
  }

  private x(s: { globalStep: number; batchesSeen: number }): number {
    return this.options.x === "batch" ? s.batchesSeen : s.globalStep;
  }

  onTrainEpochStart(trainer: TrainerView): void {
    if (!this.run) return;
    this.epochsStarted += 1;
    const x = this.x(trainer);
    if (x > 0 && this.run.epochMarks[this.run.epochMarks.length - 1] !== x) this.run.epochMarks.push(x);
  }

  onBatchScalars(_trainer: TrainerView, _module: unknown, s: BatchScalars): void {
    const run = this.run;
    if (!run || !this.throttle) return;
    const x = this.x(s);
    for (const k in s.outputs) run.record(k, "batch", x, s.outputs[k]);
    for (const k in s.logged) if (!(k in s.outputs)) run.record(k, "batch", x, s.logged[k]);
    this.leaks.record(s.numTensors);
    if (this.options.leakPanel) run.record(leakSeries, "batch", x, s.numTensors);
    this.rate.tick(this.scheduler.now());
    this.lastScalars = s;
    this.throttle.markDirty();
    this.throttle.poll();
  }

  onValidationStart(trainer: TrainerView): void {
    this.validationBefore = new Map(numericEntries(trainer.loggedMetrics));
  }

  /** Validation metrics: what changed in loggedMetrics during validation, at the current x. */
  onValidationEnd(trainer: TrainerView): void {
    const run = this.run;
    if (!run || trainer.sanityChecking) return;
    const x = this.x(trainer);
    for (const [k, v] of numericEntries(trainer.loggedMetrics)) {
      const series = run.series.get(k);
      if (series && series.kind !== "val") continue;
      if (!series && this.validationBefore.get(k) === v) continue;
      run.record(k, "val", x, v);
    }
    this.throttle?.markDirty();
  }

  /** Epoch-level training metrics (e.g. `loss_epoch`): logged names that are not per-batch or validation series. */
  onTrainEpochEnd(trainer: TrainerView): void {
    const run = this.run;
    if (!run) return;
    const x = this.x(trainer);
    for (const [k, v] of numericEntries(trainer.loggedMetrics)) {
      const series = run.series.get(k);
      const last = this.lastScalars;
      if (series ? series.kind !== "epoch" : last !== null && (k in last.logged || k in last.outputs)) continue;
      run.record(k, "epoch", x, v);
    }
    this.throttle?.markDirty();
  }

  async onBatchImages(_trainer: TrainerView, _module: unknown, images: Record<string, tf.Tensor>, info: { globalStep: number; batchIdx: number }): Promise<void> {
    const handle = this.images;
    const now = this.scheduler.now();
    // Read pixels only when a grid is due: the read is the expensive part.
    if (!handle || this.imageBusy || now < this.nextImageAt || now < this.budget.readyAt()) return;
    this.imageBusy = true;
    try {
      const batches = await readImageBatches(images);
      if (batches.length === 0) return;
      const canvas = renderImageGrid(batches);
      const png = encodePng(canvas.width, canvas.height, canvas.pixels).toString("base64");
      const bytes = handle.show({ "image/png": png, "text/plain": `images at step ${info.globalStep}: ${batches.map((b) => b.name).join(", ")}` });
      const sentAt = this.scheduler.now();
      this.budget.record(sentAt, bytes);
      this.nextImageAt = sentAt + (this.deps.imageIntervalMs ?? 2000);
    } finally {
      this.imageBusy = false;
    }
  }

  onFitEnd(trainer: TrainerView): void {
    this.finish(trainer, "finished", "");
  }

  onException(trainer: TrainerView, _module: unknown, error: unknown): void {
    const e = error as { name?: string; message?: string } | null;
    if (e?.name === "TrainingInterrupted") this.finish(trainer, "interrupted", `at step ${trainer.globalStep}`);
    else this.finish(trainer, "failed", `at step ${trainer.globalStep}: ${e?.message ?? String(error)}`);
  }

  private finish(trainer: TrainerView, status: "finished" | "interrupted" | "failed", detail: string): void {
    const run = this.run;
    if (!run || !this.chart || !this.frame || run.status !== "running") return;
    run.status = status;
    run.statusDetail = detail;
    this.throttle?.cancel();
    const summary = formatSummary({
      outcome: detail ? `${status} ${detail}` : status,
      backend: trainer.backendLabel,
      epochs: this.epochsStarted,
      globalStep: trainer.globalStep,
      seconds: (this.scheduler.now() - this.startedAt) / 1000,
      metrics: [...run.series.values()].map((s) => {
        let min = Infinity;
        for (const v of s.ys.view()) if (v < min) min = v;
        return { name: s.name, last: s.ys.last(), min };
      }),
    });
    const bytes = this.chart.show(finalBundle(this.runs, { ...this.frame, title: `${this.frame.title} (${status})` }, summary));
    this.budget.record(this.scheduler.now(), bytes);
    this.throttle = null;
  }

  private progressLine(): string {
    if (!this.lastScalars || !this.trainer) return `starting on ${this.trainer?.backendLabel || "tfjs"}…`;
    return progressLineFor(this.trainer, this.lastScalars, this.rate, this.leaks.growthPerStep());
  }
}
