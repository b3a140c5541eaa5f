/**
 * `LearningRateMonitor`: logs each optimizer's learning rate to the loggers as `lr-<OptimizerName>` (a scheduler
 * config's `name` wins; several optimizers of one class get "-1", "-2" suffixes). Scheduler-driven rates are logged
 * at their scheduler's interval (`loggingInterval: null`), or all at "step"/"epoch"; optimizers without a scheduler
 * are logged at both. Step logs follow the trainer's `logEveryNSteps`. `momentum: true` adds `<name>-momentum`.
 */
import type * as tf from "@tensorflow/tfjs";
import { Callback } from "../callback";
import { MisconfigurationError } from "../errors";
import type { LightningModule } from "../module";
import type { Trainer } from "../trainer";
import { getLearningRate } from "../optim/learning-rate";

export interface LearningRateMonitorOptions {
  loggingInterval?: "step" | "epoch" | null;
  logMomentum?: boolean;
}

export class LearningRateMonitor extends Callback {
  readonly loggingInterval: "step" | "epoch" | null;
  readonly logMomentum: boolean;
  /** Every logged value per name, in order. */
  lrs: Record<string, number[]> = {};

  constructor(options: LearningRateMonitorOptions = {}) {
    super();
    const li = options.loggingInterval ?? null;
    if (li !== null && li !== "step" && li !== "epoch") {
      throw new MisconfigurationError(`loggingInterval should be \`step\` or \`epoch\` or \`null\`, got ${JSON.stringify(li)}.`);
    }
    this.loggingInterval = li;
    this.logMomentum = options.logMomentum ?? false;
  }

  override onTrainStart(trainer: Trainer, _module: LightningModule): void {
    if (trainer.loggers.length === 0) {
      throw new MisconfigurationError("Cannot use `LearningRateMonitor` callback with `Trainer` that has no logger.");
    }
    this.lrs = {};
    for (const { name } of this.names(trainer)) this.lrs[name] = [];
  }

  override async onTrainBatchStart(trainer: Trainer, _module: LightningModule): Promise<void> {
    const n = trainer.logEveryNSteps;
    const shouldLog = (n > 0 && (trainer._batchesThatStepped + 1) % n === 0) || trainer.shouldStop;
    if (!shouldLog || this.loggingInterval === "epoch") return;
    await this.emit(trainer, this.loggingInterval === null ? "step" : "any");
  }

  override async onTrainEpochStart(trainer: Trainer, _module: LightningModule): Promise<void> {
    if (this.loggingInterval === "step") return;
    await this.emit(trainer, this.loggingInterval === null ? "epoch" : "any");
  }

  /** Names and intervals: scheduled optimizers first (configure order), then optimizers without a scheduler. */
  private names(trainer: Trainer): { name: string; optimizer: tf.Optimizer; interval: "step" | "epoch" | "both" }[] {
    const out: { name: string; optimizer: tf.Optimizer; interval: "step" | "epoch" | "both" }[] = [];
    const seen = new Set<tf.Optimizer>();
    const typeCount = new Map<string, number>();
    const unique = (base: string, cls: string) => {
      const c = (typeCount.get(cls) ?? 0) + 1;
      typeCount.set(cls, c);
      return c > 1 ? `${base}-${c - 1}` : base;
    };
    for (const cfg of trainer.lrSchedulerConfigs) {
      const opt = cfg.scheduler.optimizer;
      const cls = opt.getClassName();
      out.push({ name: unique(cfg.name ?? `lr-${cls}`, cls), optimizer: opt, interval: cfg.interval });
      seen.add(opt);
    }
    for (const opt of trainer.optimizers) {
      if (seen.has(opt)) continue;
      const cls = opt.getClassName();
      out.push({ name: unique(`lr-${cls}`, cls), optimizer: opt, interval: "both" });
    }
    return out;
  }

  private async emit(trainer: Trainer, interval: "step" | "epoch" | "any"): Promise<void> {
    const stats: Record<string, number> = {};
    for (const { name, optimizer, interval: iv } of this.names(trainer)) {
      if (!(interval === "any" || iv === "both" || iv === interval)) continue;
      const lr = getLearningRate(optimizer);
      stats[name] = lr;
      (this.lrs[name] ??= []).push(lr);
      if (this.logMomentum) {
        const o = optimizer as any;
        stats[`${name}-momentum`] = typeof o.momentum === "number" ? o.momentum : typeof o.beta1 === "number" ? o.beta1 : 0;
      }
    }
    if (Object.keys(stats).length === 0) return;
    for (const l of trainer.loggers) await l.logMetrics(stats, trainer._batchesThatStepped);
  }
}
