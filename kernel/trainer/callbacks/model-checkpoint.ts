/**
 * `ModelCheckpoint`: Lightning's checkpoint callback. Saves at the end of every `everyNEpochs` training epoch (after
 * validation when validation runs several times per epoch), or every `everyNTrainSteps` optimizer steps; keeps the
 * `saveTopK` best by `monitor` (or the latest when there is no monitor) and optionally `last.ckpt`.
 * File names come from `filename`, a template such as "{epoch}-{val_loss:.2f}" → "epoch=3-val_loss=0.12.ckpt".
 * Default directory: `<logger.logDir>/checkpoints`, or `<defaultRootDir>/checkpoints` without a logger.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Callback } from "../callback";
import { MisconfigurationError } from "../errors";
import type { LightningModule } from "../module";
import type { Trainer } from "../trainer";
import type { Stage } from "../hooks";
import { saveCheckpoint } from "../checkpoint";
import { pyFormat } from "../loggers/py-format";

export interface ModelCheckpointOptions {
  dirpath?: string;
  filename?: string;
  monitor?: string | null;
  verbose?: boolean;
  /** Also save `last.ckpt` (a copy of the latest state). */
  saveLast?: boolean;
  /** How many best checkpoints to keep (-1 all, 0 none). Default 1. */
  saveTopK?: number;
  saveWeightsOnly?: boolean;
  mode?: "min" | "max";
  autoInsertMetricName?: boolean;
  everyNTrainSteps?: number;
  everyNEpochs?: number;
  /** Save at train epoch end (true) or after validation (false); default: Lightning's rule. */
  saveOnTrainEpochEnd?: boolean;
  enableVersionCounter?: boolean;
}

export class ModelCheckpoint extends Callback {
  static CHECKPOINT_JOIN_CHAR = "-";
  static CHECKPOINT_EQUALS_CHAR = "=";
  static CHECKPOINT_NAME_LAST = "last";
  static FILE_EXTENSION = ".ckpt";
  static STARTING_VERSION = 1;

  override readonly isMonitoring = true;
  dirpath: string | null;
  readonly filename: string | null;
  readonly monitor: string | null;
  readonly verbose: boolean;
  readonly saveLast: boolean;
  readonly saveTopK: number;
  readonly saveWeightsOnly: boolean;
  readonly mode: "min" | "max";
  readonly autoInsertMetricName: boolean;
  readonly everyNTrainSteps: number;
  readonly everyNEpochs: number;
  readonly saveOnTrainEpochEnd: boolean | null;
  readonly enableVersionCounter: boolean;

  bestKModels: Record<string, number> = {};
  bestModelPath = "";
  bestModelScore: number | null = null;
  kthBestModelPath = "";
  kthValue: number;
  lastModelPath = "";
  currentScore: number | null = null;
  private lastGlobalStepSaved = 0;
  private valHasRun = false;
  private deferUntilValidation = false;

  constructor(options: ModelCheckpointOptions = {}) {
    super();
    this.dirpath = options.dirpath ? path.resolve(options.dirpath) : null;
    this.filename = options.filename ?? null;
    this.monitor = options.monitor ?? null;
    this.verbose = options.verbose ?? false;
    this.saveLast = options.saveLast ?? false;
    this.saveTopK = options.saveTopK ?? 1;
    this.saveWeightsOnly = options.saveWeightsOnly ?? false;
    this.mode = options.mode ?? "min";
    this.autoInsertMetricName = options.autoInsertMetricName ?? true;
    this.saveOnTrainEpochEnd = options.saveOnTrainEpochEnd ?? null;
    this.enableVersionCounter = options.enableVersionCounter ?? true;
    if (this.mode !== "min" && this.mode !== "max") throw new MisconfigurationError(`\`mode\` can be min, max but got ${this.mode}`);
    this.kthValue = this.mode === "min" ? Infinity : -Infinity;
    if (options.everyNTrainSteps === undefined && options.everyNEpochs === undefined) {
      this.everyNEpochs = 1;
      this.everyNTrainSteps = 0;
    } else {
      this.everyNEpochs = options.everyNEpochs ?? 0;
      this.everyNTrainSteps = options.everyNTrainSteps ?? 0;
    }
    if (!Number.isInteger(this.saveTopK) || this.saveTopK < -1) throw new MisconfigurationError(`Invalid value for saveTopK=${this.saveTopK}. Must be >= -1`);
    if (this.everyNTrainSteps < 0) throw new MisconfigurationError(`Invalid value for everyNTrainSteps=${this.everyNTrainSteps}. Must be >= 0`);
    if (this.everyNEpochs < 0) throw new MisconfigurationError(`Invalid value for everyNEpochs=${this.everyNEpochs}. Must be >= 0`);
    if (this.everyNTrainSteps >= 1 && this.everyNEpochs >= 1) {
      throw new MisconfigurationError(
        `Combination of parameters everyNTrainSteps=${this.everyNTrainSteps} and everyNEpochs=${this.everyNEpochs} should be mutually exclusive.`,
      );
    }
    if (this.monitor === null && ![-1, 0, 1].includes(this.saveTopK)) {
      throw new MisconfigurationError(`ModelCheckpoint(saveTopK=${this.saveTopK}, monitor=null) is not a valid configuration. No quantity for top_k to track.`);
    }
  }

  override get stateKey(): string {
    return `ModelCheckpoint${JSON.stringify({ monitor: this.monitor, mode: this.mode, everyNTrainSteps: this.everyNTrainSteps, everyNEpochs: this.everyNEpochs })}`;
  }

  override setup(trainer: Trainer, _module: LightningModule, stage: Stage): void {
    this.dirpath = this.resolveDir(trainer);
    this.valHasRun = false;
    if (stage === "fit" && this.saveTopK !== 0 && isNonEmptyDir(this.dirpath)) {
      trainer._warnOnce(`Checkpoint directory ${this.dirpath} exists and is not empty.`);
    }
  }

  override onTrainBatchEnd(trainer: Trainer, _module: LightningModule): Promise<void> | void {
    if (this.shouldSkip(trainer)) return;
    if (this.everyNTrainSteps < 1 || trainer.globalStep % this.everyNTrainSteps !== 0) return;
    const candidates = this.monitorCandidates(trainer);
    if (this.monitor !== null && !(this.monitor in candidates)) {
      this.deferUntilValidation = true;
      return;
    }
    return this.saveTopKAndLast(trainer, candidates);
  }

  override async onTrainEpochEnd(trainer: Trainer, _module: LightningModule): Promise<void> {
    if (this.shouldSkip(trainer) || !this.shouldSaveOnTrainEpochEnd(trainer)) return;
    const candidates = this.monitorCandidates(trainer);
    if (this.everyNEpochs >= 1 && (trainer.currentEpoch + 1) % this.everyNEpochs === 0) await this.saveTopK_(trainer, candidates);
    if (this.lastGlobalStepSaved === trainer.globalStep) await this.saveLastCheckpoint(trainer, candidates);
  }

  override async onValidationEnd(trainer: Trainer, _module: LightningModule): Promise<void> {
    if (!trainer.sanityChecking && trainer.state.fn === "fit") this.valHasRun = true;
    if (this.shouldSkip(trainer) || this.shouldSaveOnTrainEpochEnd(trainer)) return;
    const candidates = this.monitorCandidates(trainer);
    if (this.deferUntilValidation) {
      this.deferUntilValidation = false;
      return this.saveTopKAndLast(trainer, candidates);
    }
    if (this.everyNEpochs >= 1 && (trainer.currentEpoch + 1) % this.everyNEpochs === 0) await this.saveTopK_(trainer, candidates);
    if (this.lastGlobalStepSaved === trainer.globalStep) await this.saveLastCheckpoint(trainer, candidates);
  }

  override stateDict(): Record<string, unknown> {
    return {
      monitor: this.monitor,
      bestModelScore: this.bestModelScore,
      bestModelPath: this.bestModelPath,
      currentScore: this.currentScore,
      dirpath: this.dirpath,
      bestKModels: { ...this.bestKModels },
      kthBestModelPath: this.kthBestModelPath,
      kthValue: this.kthValue,
      lastModelPath: this.lastModelPath,
    };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    const dir = (state.dirpath as string | null) ?? this.dirpath;
    if (this.dirpath === null || this.dirpath === dir) {
      this.bestModelScore = (state.bestModelScore as number | null) ?? null;
      this.kthBestModelPath = (state.kthBestModelPath as string) ?? this.kthBestModelPath;
      this.kthValue = (state.kthValue as number) ?? this.kthValue;
      this.bestKModels = { ...((state.bestKModels as Record<string, number>) ?? {}) };
      this.lastModelPath = (state.lastModelPath as string) ?? this.lastModelPath;
    } else {
      process.emitWarning(
        `The dirpath has changed from ${JSON.stringify(dir)} to ${JSON.stringify(this.dirpath)}, therefore \`bestModelScore\`, ` +
          "`kthBestModelPath`, `kthValue`, `lastModelPath` and `bestKModels` won't be reloaded. Only `bestModelPath` will be reloaded.",
      );
    }
    this.bestModelPath = (state.bestModelPath as string) ?? "";
  }

  /** The file name (without directory) for `metrics`, e.g. "epoch=0-step=10". */
  formatCheckpointName(metrics: Record<string, number>, filename: string | null = this.filename, ver?: number): string {
    let name = formatTemplate(filename || `{epoch}${ModelCheckpoint.CHECKPOINT_JOIN_CHAR}{step}`, metrics, this.autoInsertMetricName);
    if (ver !== undefined) name = [name, `v${ver}`].join(ModelCheckpoint.CHECKPOINT_JOIN_CHAR);
    const file = `${name}${ModelCheckpoint.FILE_EXTENSION}`;
    return this.dirpath ? path.join(this.dirpath, file) : file;
  }

  // ---- internals ----
  private resolveDir(trainer: Trainer): string {
    if (this.dirpath) return this.dirpath;
    const logger = trainer.loggers[0];
    if (logger) {
      if (logger.logDir) return path.join(logger.logDir, "checkpoints");
      if (logger.name !== undefined && logger.version !== undefined) {
        const v = typeof logger.version === "string" ? logger.version : `version_${logger.version}`;
        return path.join(trainer.defaultRootDir, String(logger.name), v, "checkpoints");
      }
    }
    return path.join(trainer.defaultRootDir, "checkpoints");
  }

  private shouldSkip(trainer: Trainer): boolean {
    return trainer.fastDevRun > 0 || trainer.state.fn !== "fit" || trainer.sanityChecking || this.lastGlobalStepSaved === trainer.globalStep;
  }

  private shouldSaveOnTrainEpochEnd(trainer: Trainer): boolean {
    if (this.saveOnTrainEpochEnd !== null) return this.saveOnTrainEpochEnd;
    if (trainer.checkValEveryNEpoch !== 1) return false;
    const numVal = trainer.numValBatches.reduce((a, b) => a + b, 0);
    if (numVal === 0) return true;
    return trainer.valCheckInterval === 1;
  }

  private monitorCandidates(trainer: Trainer): Record<string, number> {
    const m = trainer.callbackMetrics;
    m.epoch = typeof m.epoch === "number" ? Math.trunc(m.epoch) : trainer.currentEpoch;
    m.step = typeof m.step === "number" ? Math.trunc(m.step) : trainer.globalStep;
    return m;
  }

  private async saveTopKAndLast(trainer: Trainer, candidates: Record<string, number>): Promise<void> {
    await this.saveTopK_(trainer, candidates);
    await this.saveLastCheckpoint(trainer, candidates);
  }

  private async saveTopK_(trainer: Trainer, candidates: Record<string, number>): Promise<void> {
    if (this.saveTopK === 0) return;
    if (this.monitor === null) return this.saveNoneMonitor(trainer, candidates);
    if (!(this.monitor in candidates)) {
      const m =
        `\`ModelCheckpoint(monitor=${JSON.stringify(this.monitor)})\` could not find the monitored key in the returned metrics: ` +
        `${JSON.stringify(Object.keys(candidates))}. HINT: Did you call \`log(${JSON.stringify(this.monitor)}, value)\` in the \`LightningModule\`?`;
      if (this.valHasRun) throw new MisconfigurationError(m);
      trainer._warnOnce(m);
    }
    const current = candidates[this.monitor];
    if (this.checkMonitorTopK(current)) return this.updateBestAndSave(current, trainer, candidates);
    if (this.verbose) {
      console.log(`Epoch ${candidates.epoch}, global step ${candidates.step}: ${JSON.stringify(this.monitor)} was not in top ${this.saveTopK}`);
    }
  }

  private checkMonitorTopK(current: number | undefined): boolean {
    if (current === undefined) return false;
    if (this.saveTopK === -1) return true;
    if (Object.keys(this.bestKModels).length < this.saveTopK) return true;
    const kth = this.bestKModels[this.kthBestModelPath];
    return this.mode === "min" ? current < kth : current > kth;
  }

  private async saveNoneMonitor(trainer: Trainer, candidates: Record<string, number>): Promise<void> {
    const file = this.interpolatedPath(candidates, this.bestModelPath);
    const previous = this.bestModelPath;
    this.bestModelPath = file;
    await this.saveFile(trainer, file);
    if (this.saveTopK === 1 && previous && this.shouldRemove(trainer, previous, file)) removeFile(previous);
  }

  private async updateBestAndSave(current: number, trainer: Trainer, candidates: Record<string, number>): Promise<void> {
    const count = Object.keys(this.bestKModels).length;
    const k = this.saveTopK === -1 ? count + 1 : this.saveTopK;
    let del: string | null = null;
    if (count === k && k > 0) {
      del = this.kthBestModelPath;
      delete this.bestKModels[del];
    }
    if (Number.isNaN(current)) current = this.mode === "min" ? Infinity : -Infinity;
    const file = this.interpolatedPath(candidates, del);
    this.currentScore = current;
    this.bestKModels[file] = current;
    const entries = Object.entries(this.bestKModels);
    const worse = (a: number, b: number) => (this.mode === "min" ? a > b : a < b);
    if (entries.length === k) {
      let kth = entries[0];
      for (const e of entries) if (worse(e[1], kth[1])) kth = e;
      [this.kthBestModelPath, this.kthValue] = kth;
    }
    let best = entries[0];
    for (const e of entries) if (worse(best[1], e[1])) best = e;
    [this.bestModelPath, this.bestModelScore] = best;
    if (this.verbose) {
      console.log(
        `Epoch ${candidates.epoch}, global step ${candidates.step}: ${JSON.stringify(this.monitor)} reached ${current.toFixed(5)} ` +
          `(best ${this.bestModelScore.toFixed(5)}), saving model to ${JSON.stringify(file)} as top ${k}`,
      );
    }
    await this.saveFile(trainer, file);
    if (del && this.shouldRemove(trainer, del, file)) removeFile(del);
  }

  private async saveLastCheckpoint(trainer: Trainer, candidates: Record<string, number>): Promise<void> {
    if (!this.saveLast) return;
    let file = this.formatCheckpointName(candidates, ModelCheckpoint.CHECKPOINT_NAME_LAST);
    if (this.enableVersionCounter) {
      for (let v = ModelCheckpoint.STARTING_VERSION; fs.existsSync(file) && file !== this.lastModelPath; v++) {
        file = this.formatCheckpointName(candidates, ModelCheckpoint.CHECKPOINT_NAME_LAST, v);
      }
    }
    const previous = this.lastModelPath;
    this.lastModelPath = file;
    await this.saveFile(trainer, file);
    if (previous && this.shouldRemove(trainer, previous, file)) removeFile(previous);
  }

  private interpolatedPath(candidates: Record<string, number>, delPath: string | null): string {
    let file = this.formatCheckpointName(candidates);
    if (this.enableVersionCounter) {
      for (let v = ModelCheckpoint.STARTING_VERSION; fs.existsSync(file) && file !== delPath; v++) {
        file = this.formatCheckpointName(candidates, this.filename, v);
      }
    }
    return file;
  }

  private async saveFile(trainer: Trainer, file: string): Promise<void> {
    await saveCheckpoint(trainer, file, this.saveWeightsOnly);
    this.lastGlobalStepSaved = trainer.globalStep;
  }

  private shouldRemove(trainer: Trainer, previous: string, current: string): boolean {
    if (previous === current) return false;
    const prev = path.resolve(previous);
    const resumed = (trainer as { ckptPath?: string | null }).ckptPath;
    if (resumed && path.resolve(resumed) === prev) return false;
    return this.dirpath !== null && prev.startsWith(path.resolve(this.dirpath) + path.sep);
  }
}

/** Lightning's `_format_checkpoint_name`: "{epoch}-{val_loss:.2f}" → "epoch=3-val_loss=0.12" (missing keys → 0). */
export function formatTemplate(template: string, metrics: Record<string, number>, autoInsert: boolean): string {
  const INT_KEYS = new Set(["epoch", "step"]);
  return template.replace(/\{([^{}:]+)(?::([^{}]*))?\}/g, (_m, name: string, spec: string | undefined) => {
    const value = metrics[name] ?? 0;
    const text = pyFormat(value, spec ?? "", INT_KEYS.has(name) || !(name in metrics));
    return autoInsert ? `${name}${ModelCheckpoint.CHECKPOINT_EQUALS_CHAR}${text}` : text;
  });
}

function isNonEmptyDir(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

function removeFile(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}
