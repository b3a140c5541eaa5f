/**
 * Normalizes what `configureOptimizers()` returned into wrapped optimizers and scheduler configs (Lightning's
 * `_configure_optimizers`), with errors that show the accepted shapes.
 */
import * as tf from "@tensorflow/tfjs";
import { MisconfigurationError, describeValue } from "../errors";
import { LightningOptimizer } from "./lightning-optimizer";
import { cachedDiscovery, collectVariables, type ParamSource } from "./parameters";
import type { LRScheduler } from "./schedulers/lr-scheduler";

export interface SchedulerConfig {
  scheduler: LRScheduler;
  interval: "epoch" | "step";
  frequency: number;
  monitor?: string;
  strict: boolean;
  name?: string;
  reduceOnPlateau: boolean;
}

/** One entry of `configureOptimizers`' array form. */
export interface OptimizerConfig {
  optimizer: tf.Optimizer;
  params?: ParamSource;
  lrScheduler?: LRScheduler | Partial<SchedulerConfig> & { scheduler: LRScheduler };
  monitor?: string;
}

export type ConfigureOptimizersResult = tf.Optimizer | OptimizerConfig | Array<tf.Optimizer | OptimizerConfig> | null | undefined | void;

const SHAPES =
  "Return a tf.Optimizer, { optimizer, params?, lrScheduler? }, or an array of those " +
  "(e.g. [{ optimizer: tf.train.adam(2e-4), params: this.generator }, { optimizer: tf.train.adam(2e-4), params: this.discriminator }]).";

export interface NormalizedOptimizers {
  optimizers: LightningOptimizer[];
  schedulers: SchedulerConfig[];
}

/**
 * @param allVariables every variable of the module (trainable or frozen), to check that `params` belong to it; also
 *   the variables of an optimizer without `params`, called on every step, so pass a cached one (RunContext.variables).
 * @param warn where warnings go (manual-mode scheduler keys that are ignored).
 */
export function normalizeOptimizers(
  result: unknown,
  allVariables: () => tf.Variable[],
  manual: boolean,
  warn: (msg: string) => void,
): NormalizedOptimizers {
  if (result === undefined || result === null) {
    throw new MisconfigurationError(
      `\`configureOptimizers\` returned ${describeValue(result)}, so there is nothing to train with. ${SHAPES}`,
    );
  }
  let entries: unknown[];
  if (Array.isArray(result)) {
    // Lightning's ([optimizers], [schedulers]) form.
    if (result.length === 2 && Array.isArray(result[0])) {
      const scheds = Array.isArray(result[1]) ? result[1] : [result[1]];
      entries = (result[0] as unknown[]).map((o, i) => ({ optimizer: o, lrScheduler: scheds[i] }));
    } else {
      entries = result;
    }
  } else {
    entries = [result];
  }
  if (entries.length === 0) {
    throw new MisconfigurationError(`\`configureOptimizers\` returned an empty array. ${SHAPES}`);
  }
  const optimizers: LightningOptimizer[] = [];
  const schedulers: SchedulerConfig[] = [];
  entries.forEach((entry, index) => {
    const cfg = toConfig(entry, index);
    const resolve = paramsResolver(cfg.params, allVariables, index);
    optimizers.push(new LightningOptimizer(cfg.optimizer, resolve, index));
    if (cfg.lrScheduler) schedulers.push(toSchedulerConfig(cfg.lrScheduler, cfg.monitor, manual, warn));
  });
  const raws = optimizers.map((o) => o.optimizer);
  for (const s of schedulers) {
    if (!raws.includes(s.scheduler.optimizer)) {
      throw new MisconfigurationError(
        `An lrScheduler returned by \`configureOptimizers\` (${s.scheduler.constructor.name}) was created for an optimizer ` +
          `that configureOptimizers did not return. Create the scheduler with the same tf.Optimizer you return.`,
      );
    }
  }
  return { optimizers, schedulers };
}

function toConfig(entry: unknown, index: number): OptimizerConfig {
  if (entry instanceof tf.Optimizer) return { optimizer: entry };
  if (typeof entry === "object" && entry !== null && "optimizer" in entry) {
    const cfg = entry as OptimizerConfig;
    if (!(cfg.optimizer instanceof tf.Optimizer)) {
      throw new MisconfigurationError(
        `Unknown configuration for model optimizers: entry ${index} of \`configureOptimizers\` has optimizer = ` +
          `${describeValue(cfg.optimizer)}, expected a tf.Optimizer (e.g. tf.train.adam(1e-3)). ${SHAPES}`,
      );
    }
    const known = ["optimizer", "params", "lrScheduler", "monitor"];
    const unknown = Object.keys(cfg).filter((k) => !known.includes(k));
    if (unknown.length > 0) {
      throw new MisconfigurationError(
        `Unknown configuration for model optimizers: entry ${index} of \`configureOptimizers\` has unknown key(s) ` +
          `${unknown.map((k) => `"${k}"`).join(", ")}; allowed keys are ${known.join(", ")}.`,
      );
    }
    return cfg;
  }
  throw new MisconfigurationError(
    `Unknown configuration for model optimizers: \`configureOptimizers\` returned ${describeValue(entry)}` +
      (index > 0 ? ` at index ${index}` : "") + `. ${SHAPES}`,
  );
}

function paramsResolver(params: ParamSource | undefined, allVariables: () => tf.Variable[], index: number): () => tf.Variable[] {
  if (params === undefined) return allVariables;
  return cachedDiscovery(() => {
    const vars = collectVariables(params);
    const all = new Set(allVariables());
    const foreign = vars.filter((v) => !all.has(v));
    if (foreign.length > 0) {
      throw new MisconfigurationError(
        `\`configureOptimizers\` entry ${index}: params include ${foreign.length} variable(s) that belong to no ` +
          `property of this LightningModule (first: "${foreign[0].name}"). Assign the model/layer to a property ` +
          `(this.generator = ...) before configureOptimizers runs, and pass that property as params.`,
      );
    }
    return vars;
  });
}

function toSchedulerConfig(
  s: OptimizerConfig["lrScheduler"],
  monitor: string | undefined,
  manual: boolean,
  warn: (msg: string) => void,
): SchedulerConfig {
  const raw = (typeof (s as any)?.step === "function" ? { scheduler: s } : s) as Partial<SchedulerConfig> & { scheduler: LRScheduler };
  if (!raw || typeof raw.scheduler?.step !== "function") {
    throw new MisconfigurationError(
      `lrScheduler must be a scheduler (e.g. new StepLR(opt, {stepSize: 10})) or { scheduler, interval?, frequency?, monitor? }, got ${describeValue(s)}.`,
    );
  }
  const reduceOnPlateau = raw.reduceOnPlateau ?? raw.scheduler.constructor.name === "ReduceLROnPlateau";
  const cfg: SchedulerConfig = {
    scheduler: raw.scheduler,
    interval: raw.interval ?? "epoch",
    frequency: raw.frequency ?? 1,
    monitor: raw.monitor ?? monitor,
    strict: raw.strict ?? true,
    name: raw.name,
    reduceOnPlateau,
  };
  if (cfg.interval !== "epoch" && cfg.interval !== "step") {
    throw new MisconfigurationError(`lrScheduler interval must be "epoch" or "step", got ${describeValue(cfg.interval)}.`);
  }
  if (manual) {
    const ignored = ["monitor", "strict", "reduceOnPlateau"].filter((k) => k in (raw as object));
    if (ignored.length > 0) {
      warn(`The lr scheduler dict contains the key(s) ${ignored.join(", ")}, but the keys will be ignored. ` +
        `You need to call \`lrScheduler.step()\` manually in manual optimization.`);
    }
    cfg.monitor = undefined;
  } else if (cfg.reduceOnPlateau && !cfg.monitor) {
    throw new MisconfigurationError(
      "The lr scheduler dict must include a monitor when a `ReduceLROnPlateau` scheduler is used, e.g. " +
        '{ optimizer, lrScheduler: { scheduler, monitor: "val_loss" } }.',
    );
  }
  return cfg;
}
