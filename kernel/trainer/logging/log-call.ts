/**
 * Validation and recording of one `this.log(name, value, options)` call against the hook that is running
 * (Lightning's `LightningModule.log` + `_ResultCollection.log`), with Lightning's error texts.
 */
import { keep, tidy, TensorClass } from "../tf-handles";
import { MisconfigurationError, typeName } from "../errors";
import { inferBatchSize } from "./batch-size";
import { resolveLogLevels } from "./fx-validator";
import type { LogMeta, LogOptions, ReduceFx } from "./log-options";
import { sameMeta, type LogEntry, type ResultCollection, type ValidatedOptions } from "./result-collection";
import { shareData } from "../shared-data";

export interface LogTarget {
  /** The hook currently running, or null outside trainer control flow. */
  hook: string | null;
  results: ResultCollection;
  /** The batch being processed (for batch-size inference), or undefined in epoch-level hooks. */
  batch: unknown;
  batchSizeCache: { value: number | null };
  hasLogger: boolean;
  warn(msg: string): void;
}

const REDUCE: Record<string, ReduceFx> = { mean: "mean", avg: "avg", sum: "sum", max: "max", min: "min" };
const OPTION_NAMES = ["onStep", "onEpoch", "progBar", "logger", "reduceFx", "batchSize"];

export function checkLogValue(name: string, value: unknown): void {
  if (typeof value === "number" || typeof value === "boolean") return;
  if (value instanceof TensorClass) {
    if (value.size !== 1) {
      throw new Error(
        `\`self.log(${name}, tensor)\` was called with a tensor of shape [${value.shape.join(", ")}], but the tensor ` +
          `must have a single element. Reduce it first (e.g. tf.mean(t)) or log its elements under separate names.`,
      );
    }
    if (value.dtype === "string") throw new Error(`\`self.log(${name}, tensor)\`: string tensors cannot be logged.`);
    return;
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value) &&
      Object.values(value).some((v) => typeof v === "object" && v !== null && !(v instanceof TensorClass))) {
    throw new Error(`\`self.log(${name}, ...)\` was called with a nested dict: nested dictionaries cannot be logged. Flatten it and use this.logDict.`);
  }
  const shown = typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
  throw new Error(
    `\`self.log(${name}, ${shown})\` was called, but \`${typeName(value)}\` values cannot be logged. ` +
      `this.log accepts a number, a boolean or a one-element tf.Tensor` +
      (typeof value === "object" && value !== null && !Array.isArray(value) ? "; use this.logDict for a dict of scalars." : "."),
  );
}

export function recordLog(target: LogTarget, name: string, value: unknown, options: LogOptions = NO_OPTIONS): void {
  const hook = target.hook;
  const known = hook === null ? undefined : target.results.existing(hook, name);
  // The same metric logged again with the same options (usually every batch) was validated when its entry was made
  // or last changed: one lookup and a few comparisons, then only the value is checked.
  let entry: LogEntry;
  if (known !== undefined && sameOptions(known.validatedWith, options)) {
    checkValueIn(hook, name, value);
    entry = known;
  } else {
    entry = validateCall(target, hook, name, value, options, known);
  }
  const meta = entry.meta;
  let batchSize = 1;
  if (options.batchSize !== undefined) {
    if (typeof options.batchSize !== "number" || !(options.batchSize > 0)) {
      throw new TypeError(`this.log("${name}", value, {batchSize}): batchSize must be a positive number, got ${String(options.batchSize)}.`);
    }
    batchSize = options.batchSize;
  } else if (meta.onEpoch && (meta.reduceFx === "mean" || meta.reduceFx === "avg") && target.batch !== undefined) {
    if (target.batchSizeCache.value === null) target.batchSizeCache.value = inferBatchSize(target.batch, target.warn.bind(target));
    batchSize = target.batchSizeCache.value;
  }
  if (value instanceof TensorClass) {
    // A reference of our own (sharing the data) that survives the user's tidy and the batch scope until the
    // next flush reads and releases it.
    const own = value.rank === 0 && value.dtype === "float32" ? shareData(value) : tidy(() => value.reshape([]).cast("float32"));
    target.results.update(entry, keep(own), batchSize);
  } else {
    target.results.update(entry, Number(value), batchSize);
  }
}

const NO_OPTIONS: LogOptions = {};

/** A value `log` cannot take, with the hook that logged it in the message. */
function checkValueIn(hook: string | null, name: string, value: unknown): void {
  try {
    checkLogValue(name, value);
  } catch (e) {
    // Name the hook that logged, so the message points at the line to fix.
    if (hook !== null && e instanceof Error) e.message = `${e.message} (logged in ${hook})`;
    throw e;
  }
}

/** The checks of a call not seen before (a new name, or options other than those last validated for it). */
function validateCall(
  target: LogTarget, hook: string | null, name: string, value: unknown, options: LogOptions, known: LogEntry | undefined,
): LogEntry {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`this.log(name, value): name must be a non-empty string, got ${typeName(name)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new TypeError(`this.log("${name}", value, {${key}}): unknown option "${key}"; valid options are ${OPTION_NAMES.join(", ")}.`);
    }
  }
  checkValueIn(hook, name, value);
  if (hook === null) {
    throw new MisconfigurationError(
      `this.log("${name}") was called from a place that is not managed by the \`Trainer\` control flow. ` +
        "Call it from a hook (trainingStep, onTrainBatchEnd, validationStep, ...).",
    );
  }
  return resolveEntry(target, hook, name, options, known);
}

/** Validates `options` for `hook` and finds (or makes) the entry they log to; the entry remembers them. */
function resolveEntry(target: LogTarget, hook: string, name: string, options: LogOptions, known: LogEntry | undefined): LogEntry {
  const levels = resolveLogLevels(hook, options.onStep, options.onEpoch);
  if (!levels.onStep && !levels.onEpoch) {
    throw new MisconfigurationError(`\`self.log(on_step=False, on_epoch=False)\` is not useful: "${name}" in ${hook} would be logged nowhere. Set onStep or onEpoch to true.`);
  }
  const reduceKey = String(options.reduceFx ?? "mean").toLowerCase();
  const reduceFx = REDUCE[reduceKey];
  if (!reduceFx) {
    throw new MisconfigurationError(
      `Only \`self.log(..., reduce_fx={min,max,mean,sum})\` are supported; "${name}" was logged with reduceFx = ${JSON.stringify(options.reduceFx)}.`,
    );
  }
  if (options.logger === true && !target.hasLogger) {
    target.warn(`You called \`self.log("${name}", ..., logger=True)\` but have no logger configured. ` +
      "Pass a logger to the Trainer, or drop logger: true.");
  }
  const meta: LogMeta = {
    onStep: levels.onStep,
    onEpoch: levels.onEpoch,
    progBar: options.progBar ?? false,
    logger: options.logger ?? true,
    reduceFx,
  };
  // The names-collision scan is needed only when the entry is created (after that, the same metric logged again in
  // the next batch costs one map lookup).
  if (!known && collides(target.results, hook, name, meta)) {
    throw new MisconfigurationError(
      `this.log("${name}") collides with the "_step"/"_epoch" key of another metric logged with ` +
        "{onStep: true, onEpoch: true}. Rename one of them.",
    );
  }
  const entry = known ? (sameMeta(known.meta, meta) ? known : "conflict") : target.results.entry(hook, name, meta);
  if (entry === "conflict") {
    throw new MisconfigurationError(
      `You called \`self.log(${name}, ...)\` twice in \`${hook}\` with different arguments. ` +
        "Log each name with the same options within a hook, or use two names.",
    );
  }
  entry.validatedWith = {
    onStep: options.onStep, onEpoch: options.onEpoch, progBar: options.progBar, logger: options.logger, reduceFx: options.reduceFx,
    keys: countKeys(options),
  };
  return entry;
}

/** Same five options and the same number of keys (so a call that adds an unknown key is validated again). */
function sameOptions(a: ValidatedOptions | null, b: LogOptions): boolean {
  return a !== null && a.onStep === b.onStep && a.onEpoch === b.onEpoch && a.progBar === b.progBar &&
    a.logger === b.logger && a.reduceFx === b.reduceFx && a.keys === countKeys(b);
}

function countKeys(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/** `name` is another entry's forked `_step`/`_epoch` key, or forks into a name that exists. */
function collides(results: ResultCollection, hook: string, name: string, meta: LogMeta): boolean {
  if (results.exportedNames(hook, name).has(name)) return true;
  return meta.onStep && meta.onEpoch && (results.hasEntryNamed(`${name}_step`) || results.hasEntryNamed(`${name}_epoch`));
}
