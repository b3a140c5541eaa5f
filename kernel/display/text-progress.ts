/**
 * `TextProgress`: the plain-node progress display. On a TTY one line rewritten with `\r` (at most 10 times a
 * second); otherwise (CI logs, pipes) one line per epoch. Metrics are the progress-bar metrics.
 */
import { Callback } from "../trainer/callback";
import type { BatchScalars } from "../trainer/hooks";
import { progressLineFor } from "./progress-text";
import { RateMeter } from "./rate-meter";
import { systemScheduler, type Scheduler } from "./scheduler";
import { formatNumber } from "./ticks";
import { numericEntries, type TrainerView } from "./trainer-view";

export interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class TextProgress extends Callback {
  private rate = new RateMeter();
  private lastWriteAt = -Infinity;
  private last: BatchScalars | null = null;
  private lineOpen = false;

  constructor(
    private readonly stream: TextStream = process.stderr,
    private readonly scheduler: Scheduler = systemScheduler,
    private readonly minIntervalMs = 100,
  ) {
    super();
  }

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  onFitStart(): void {
    this.rate = new RateMeter();
    this.lastWriteAt = -Infinity;
    this.last = null;
  }

  onBatchScalars(trainer: TrainerView, _module: unknown, s: BatchScalars): void {
    const now = this.scheduler.now();
    this.rate.tick(now);
    this.last = s;
    if (!this.tty || now - this.lastWriteAt < this.minIntervalMs) return;
    this.lastWriteAt = now;
    this.stream.write(`\r${this.line(trainer)}\x1b[K`);
    this.lineOpen = true;
  }

  onTrainEpochEnd(trainer: TrainerView): void {
    if (!this.last) return;
    const epochMetrics = numericEntries(trainer.callbackMetrics)
      .filter(([k]) => !(this.last && k in this.last.progressBar))
      .map(([k, v]) => `${k} ${formatNumber(v)}`);
    const text = [this.line(trainer), ...epochMetrics].join(" · ");
    this.stream.write(this.tty ? `\r${text}\x1b[K\n` : `${text}\n`);
    this.lineOpen = false;
  }

  onFitEnd(trainer: TrainerView): void {
    this.end(`finished at step ${trainer.globalStep}`);
  }

  onException(trainer: TrainerView, _module: unknown, error: unknown): void {
    const e = error as { name?: string; message?: string } | null;
    this.end(e?.name === "TrainingInterrupted" ? `interrupted at step ${trainer.globalStep}` : `failed at step ${trainer.globalStep}: ${e?.message ?? String(error)}`);
  }

  private end(text: string): void {
    this.stream.write(`${this.lineOpen && this.tty ? "\n" : ""}${text}\n`);
    this.lineOpen = false;
  }

  private line(t: TrainerView): string {
    return progressLineFor(t, this.last!, this.rate);
  }
}
