/**
 * `EarlyStopping`: Lightning's early-stopping callback. Checks `monitor` at train epoch end (or after each
 * validation when validation runs more or less often than once per epoch) and sets `trainer.shouldStop` when it has
 * not improved by more than `minDelta` for `patience` checks, when it crosses `stoppingThreshold` /
 * `divergenceThreshold`, or when it is not finite (`checkFinite`).
 */
import { Callback } from "../callback";
import { MisconfigurationError } from "../errors";
import type { LightningModule } from "../module";
import type { Trainer } from "../trainer";
import type { Stage } from "../hooks";

export interface EarlyStoppingOptions {
  monitor: string;
  minDelta?: number;
  patience?: number;
  verbose?: boolean;
  mode?: "min" | "max";
  /** Error when the monitored key is missing (default true); else warn and skip the check. */
  strict?: boolean;
  checkFinite?: boolean;
  stoppingThreshold?: number | null;
  divergenceThreshold?: number | null;
  checkOnTrainEpochEnd?: boolean | null;
}

export class EarlyStopping extends Callback {
  override readonly isMonitoring = true;
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly verbose: boolean;
  readonly mode: "min" | "max";
  readonly strict: boolean;
  readonly checkFinite: boolean;
  readonly stoppingThreshold: number | null;
  readonly divergenceThreshold: number | null;
  waitCount = 0;
  stoppedEpoch = 0;
  bestScore: number;
  /** Why the last check stopped (or improved), for displays. */
  stoppingReason: string | null = null;
  private checkOnTrainEpochEnd: boolean | null;

  constructor(options: EarlyStoppingOptions) {
    super();
    if (!options || typeof options.monitor !== "string" || options.monitor === "") {
      throw new MisconfigurationError('EarlyStopping needs the metric to monitor: new EarlyStopping({ monitor: "val_loss" }).');
    }
    this.monitor = options.monitor;
    this.patience = options.patience ?? 3;
    this.verbose = options.verbose ?? false;
    this.mode = options.mode ?? "min";
    this.strict = options.strict ?? true;
    this.checkFinite = options.checkFinite ?? true;
    this.stoppingThreshold = options.stoppingThreshold ?? null;
    this.divergenceThreshold = options.divergenceThreshold ?? null;
    this.checkOnTrainEpochEnd = options.checkOnTrainEpochEnd ?? null;
    if (this.mode !== "min" && this.mode !== "max") {
      throw new MisconfigurationError(`\`mode\` can be min, max, got ${String(this.mode)}`);
    }
    // Lightning stores minDelta signed: negative for "min" so `current - minDelta < best` needs a real improvement.
    this.minDelta = Math.abs(options.minDelta ?? 0) * (this.mode === "max" ? 1 : -1);
    this.bestScore = this.mode === "min" ? Infinity : -Infinity;
  }

  override get stateKey(): string {
    return `EarlyStopping${JSON.stringify({ monitor: this.monitor, mode: this.mode })}`;
  }

  override setup(trainer: Trainer, _module: LightningModule, _stage: Stage): void {
    if (this.checkOnTrainEpochEnd === null) {
      this.checkOnTrainEpochEnd = trainer.valCheckInterval === 1 && trainer.checkValEveryNEpoch === 1;
    }
  }

  override onTrainEpochEnd(trainer: Trainer, _module: LightningModule): void {
    if (!this.checkOnTrainEpochEnd || this.shouldSkip(trainer)) return;
    this.runCheck(trainer);
  }

  override onValidationEnd(trainer: Trainer, _module: LightningModule): void {
    if (this.checkOnTrainEpochEnd || this.shouldSkip(trainer)) return;
    this.runCheck(trainer);
  }

  override stateDict(): Record<string, unknown> {
    return { waitCount: this.waitCount, stoppedEpoch: this.stoppedEpoch, bestScore: this.bestScore, patience: this.patience };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    this.waitCount = Number(state.waitCount ?? 0);
    this.stoppedEpoch = Number(state.stoppedEpoch ?? 0);
    this.bestScore = Number(state.bestScore ?? this.bestScore);
  }

  private shouldSkip(trainer: Trainer): boolean {
    return trainer.state.fn !== "fit" || trainer.sanityChecking;
  }

  private better(a: number, b: number): boolean {
    return this.mode === "min" ? a < b : a > b;
  }

  private runCheck(trainer: Trainer): void {
    const logs = trainer.callbackMetrics;
    if (trainer.fastDevRun > 0) return;
    const current = logs[this.monitor];
    if (current === undefined) {
      const msg =
        `Early stopping conditioned on metric \`${this.monitor}\` which is not available. Pass in or modify your ` +
        `\`EarlyStopping\` callback to use any of the following: \`${Object.keys(logs).join("`, `")}\``;
      if (this.strict) throw new MisconfigurationError(msg);
      if (this.verbose) trainer._warnOnce(msg);
      return;
    }
    const { shouldStop, reason } = this.evaluate(current);
    this.stoppingReason = reason;
    if (shouldStop) {
      trainer.shouldStop = true;
      this.stoppedEpoch = trainer.currentEpoch;
    }
    if (reason && this.verbose) console.log(reason);
  }

  private evaluate(current: number): { shouldStop: boolean; reason: string | null } {
    const op = this.mode === "min" ? "<" : ">";
    if (this.checkFinite && !Number.isFinite(current)) {
      return {
        shouldStop: true,
        reason: `Monitored metric ${this.monitor} = ${current} is not finite. Previous best value was ${this.bestScore.toFixed(3)}. Signaling Trainer to stop.`,
      };
    }
    if (this.stoppingThreshold !== null && this.better(current, this.stoppingThreshold)) {
      return { shouldStop: true, reason: `Stopping threshold reached: ${this.monitor} = ${current} ${op} ${this.stoppingThreshold}. Signaling Trainer to stop.` };
    }
    if (this.divergenceThreshold !== null && this.better(-current, -this.divergenceThreshold)) {
      return { shouldStop: true, reason: `Divergence threshold reached: ${this.monitor} = ${current} ${op} ${this.divergenceThreshold}. Signaling Trainer to stop.` };
    }
    if (this.better(current - this.minDelta, this.bestScore)) {
      const reason = Number.isFinite(this.bestScore)
        ? `Metric ${this.monitor} improved by ${Math.abs(this.bestScore - current).toFixed(3)} >= min_delta = ${Math.abs(this.minDelta)}. New best score: ${current.toFixed(3)}`
        : `Metric ${this.monitor} improved. New best score: ${current.toFixed(3)}`;
      this.bestScore = current;
      this.waitCount = 0;
      return { shouldStop: false, reason };
    }
    this.waitCount += 1;
    if (this.waitCount >= this.patience) {
      return {
        shouldStop: true,
        reason: `Monitored metric ${this.monitor} did not improve in the last ${this.waitCount} records. Best score: ${this.bestScore.toFixed(3)}. Signaling Trainer to stop.`,
      };
    }
    return { shouldStop: false, reason: null };
  }
}
