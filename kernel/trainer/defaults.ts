/**
 * Registers the trainer's defaults from the checkpoint/logging layer (imported once by `trainer/index.ts`):
 *  - `logger: true` (default) → CSVLogger at `<defaultRootDir>/lightning_logs/version_N`, flushed every logEveryNSteps;
 *  - `enableCheckpointing` (default) → a ModelCheckpoint unless the user passed one;
 *  - `enableModelSummary` → a ModelSummary printed at fit start (default: on when the progress bar is on);
 *  - `fit(..., { ckptPath })` → restore from a checkpoint file;
 *  - `trainer.saveCheckpoint(path)`, `trainer.ckptPath`, `trainer.checkpointCallback(s)`, `trainer.earlyStoppingCallback`.
 */
import { Trainer } from "./trainer";
import type { Callback } from "./callback";
import { MisconfigurationError } from "./errors";
import { CSVLogger } from "./loggers/csv-logger";
import { ModelCheckpoint } from "./callbacks/model-checkpoint";
import { EarlyStopping } from "./callbacks/early-stopping";
import { ModelSummary } from "./callbacks/model-summary";
import { restoreFromCheckpoint, saveCheckpoint } from "./checkpoint";

declare module "./trainer" {
  interface Trainer {
    /** Saves the current state of the fit (Lightning's `trainer.save_checkpoint`). */
    saveCheckpoint(filepath: string, weightsOnly?: boolean): Promise<void>;
    /** The checkpoint the last fit resumed from, or null. */
    ckptPath: string | null;
    /** The first ModelCheckpoint callback, or null. */
    readonly checkpointCallback: ModelCheckpoint | null;
    readonly checkpointCallbacks: ModelCheckpoint[];
    /** The first EarlyStopping callback, or null. */
    readonly earlyStoppingCallback: EarlyStopping | null;
  }
}

const ckptPaths = new WeakMap<Trainer, string | null>();

Object.defineProperties(Trainer.prototype, {
  saveCheckpoint: {
    value(this: Trainer, filepath: string, weightsOnly = false) {
      return saveCheckpoint(this, filepath, weightsOnly);
    },
    writable: true,
    configurable: true,
  },
  ckptPath: {
    get(this: Trainer) {
      return ckptPaths.get(this) ?? null;
    },
    set(this: Trainer, v: string | null) {
      ckptPaths.set(this, v);
    },
    configurable: true,
  },
  checkpointCallbacks: {
    get(this: Trainer) {
      return this.callbacks.filter((c): c is ModelCheckpoint => c instanceof ModelCheckpoint);
    },
    configurable: true,
  },
  checkpointCallback: {
    get(this: Trainer) {
      return this.callbacks.find((c): c is ModelCheckpoint => c instanceof ModelCheckpoint) ?? null;
    },
    configurable: true,
  },
  earlyStoppingCallback: {
    get(this: Trainer) {
      return this.callbacks.find((c): c is EarlyStopping => c instanceof EarlyStopping) ?? null;
    },
    configurable: true,
  },
});

Trainer.registerDefaultLogger((trainer) => new CSVLogger({ saveDir: trainer.defaultRootDir, flushLogsEveryNSteps: Math.max(1, trainer.logEveryNSteps) }));

Trainer.registerCheckpointRestorer(async (trainer, module, ckptPath) => {
  await restoreFromCheckpoint(trainer, module, ckptPath);
  trainer.ckptPath = ckptPath;
});

Trainer.registerDefaultCallbacks((trainer) => {
  const out: Callback[] = [];
  const user = trainer._userCallbacks;
  const o = trainer.options;
  if (o.enableModelSummary === true || (o.enableModelSummary === undefined && o.enableProgressBar !== false)) {
    if (!user.some((c) => c instanceof ModelSummary)) out.push(new ModelSummary());
  }
  const hasCheckpoint = user.some((c) => c instanceof ModelCheckpoint);
  if (!trainer.enableCheckpointing && hasCheckpoint) {
    throw new MisconfigurationError(
      "Trainer was configured with `enableCheckpointing: false` but found `ModelCheckpoint` in callbacks list.",
    );
  }
  if (trainer.enableCheckpointing && !hasCheckpoint) out.push(new ModelCheckpoint());
  return out;
});
