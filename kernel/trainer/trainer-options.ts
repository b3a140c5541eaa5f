/** Trainer options (Lightning's flags in camelCase) and their validation, with a nearest-name hint for typos. */
import type { Callback } from "./callback";
import type { Logger } from "./logger";
import { MisconfigurationError, describeValue } from "./errors";

export interface TrainerOptions {
  maxEpochs?: number | null;
  minEpochs?: number | null;
  maxSteps?: number;
  minSteps?: number | null;
  limitTrainBatches?: number | null;
  limitValBatches?: number | null;
  limitTestBatches?: number | null;
  limitPredictBatches?: number | null;
  valCheckInterval?: number | null;
  checkValEveryNEpoch?: number | null;
  numSanityValSteps?: number | null;
  logEveryNSteps?: number | null;
  fastDevRun?: boolean | number;
  accumulateGradBatches?: number;
  gradientClipVal?: number | null;
  gradientClipAlgorithm?: "norm" | "value" | null;
  callbacks?: Callback[] | Callback;
  logger?: boolean | Logger | Logger[];
  enableProgressBar?: boolean;
  enableCheckpointing?: boolean;
  enableModelSummary?: boolean;
  defaultRootDir?: string;
  detectAnomaly?: boolean;
  /** Live chart beneath the running cell (on by default inside Jupyter): false, true, or chart options. */
  live?: boolean | Record<string, unknown>;
  /** Name of this run in live charts and dashboards. */
  runName?: string;
  /** Warn when user code leaks tensors per step (default true). */
  detectLeaks?: boolean;
}

type Kind = "int" | "number" | "bool" | "intOrBool" | "string" | "object" | "any";
const KINDS: Record<keyof TrainerOptions, Kind> = {
  maxEpochs: "int", minEpochs: "int", maxSteps: "int", minSteps: "int",
  limitTrainBatches: "number", limitValBatches: "number", limitTestBatches: "number", limitPredictBatches: "number",
  valCheckInterval: "number", checkValEveryNEpoch: "int", numSanityValSteps: "int", logEveryNSteps: "int",
  fastDevRun: "intOrBool", accumulateGradBatches: "int", gradientClipVal: "number", gradientClipAlgorithm: "string",
  callbacks: "object", logger: "any", enableProgressBar: "bool", enableCheckpointing: "bool", enableModelSummary: "bool",
  defaultRootDir: "string", detectAnomaly: "bool", live: "any", runName: "string", detectLeaks: "bool",
};
export const TRAINER_OPTION_NAMES = Object.keys(KINDS);

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const al = a.toLowerCase();
  const bl = b.toLowerCase();
  const d = Array.from({ length: al.length + 1 }, (_, i) => [i, ...Array(bl.length).fill(0)]);
  for (let j = 1; j <= bl.length; j++) d[0][j] = j;
  for (let i = 1; i <= al.length; i++) {
    for (let j = 1; j <= bl.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (al[i - 1] === bl[j - 1] ? 0 : 1));
    }
  }
  return d[al.length][bl.length];
}

export function nearestName(name: string, candidates: readonly string[]): string {
  const snake = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  let best = candidates[0];
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = Math.min(distance(name, c), distance(snake, c));
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best;
}

export function validateTrainerOptions(options: unknown): TrainerOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`new Trainer(options): options must be an object, got ${describeValue(options)}.`);
  }
  for (const [key, value] of Object.entries(options)) {
    const kind = KINDS[key as keyof TrainerOptions];
    if (!kind) {
      throw new MisconfigurationError(
        `new Trainer({ ${key}: ... }): unknown option "${key}". Did you mean "${nearestName(key, TRAINER_OPTION_NAMES)}"?`,
      );
    }
    if (value === undefined || value === null) continue;
    const ok =
      kind === "any" ||
      (kind === "int" && Number.isInteger(value)) ||
      (kind === "number" && typeof value === "number" && !Number.isNaN(value)) ||
      (kind === "bool" && typeof value === "boolean") ||
      (kind === "intOrBool" && (typeof value === "boolean" || Number.isInteger(value))) ||
      (kind === "string" && typeof value === "string") ||
      (kind === "object" && typeof value === "object");
    if (!ok) {
      const want = { int: "an integer", number: "a number", bool: "a boolean", intOrBool: "a boolean or an integer",
        string: "a string", object: "an object", any: "" }[kind];
      throw new TypeError(`new Trainer({ ${key} }): ${key} must be ${want}, got ${describeValue(value)}.`);
    }
  }
  const o = options as TrainerOptions;
  if (o.maxEpochs != null && o.maxEpochs < -1) {
    throw new MisconfigurationError(`\`max_epochs\` must be a non-negative integer or -1 (maxEpochs: ${o.maxEpochs}).`);
  }
  if (o.maxSteps != null && o.maxSteps < -1) {
    throw new MisconfigurationError(`\`max_steps\` must be a non-negative integer or -1 (maxSteps: ${o.maxSteps}).`);
  }
  if (o.accumulateGradBatches != null && o.accumulateGradBatches < 1) {
    throw new MisconfigurationError(`accumulateGradBatches must be a positive integer, got ${o.accumulateGradBatches}.`);
  }
  if (typeof o.fastDevRun === "number" && o.fastDevRun < 0) {
    throw new MisconfigurationError(`fastDevRun=${o.fastDevRun} is not a valid configuration. It should be >= 0.`);
  }
  if (o.gradientClipAlgorithm != null && !["norm", "value"].includes(o.gradientClipAlgorithm)) {
    throw new MisconfigurationError(`\`gradient_clip_algorithm\` ${JSON.stringify(o.gradientClipAlgorithm)} is invalid. Allowed algorithms: ['value', 'norm'].`);
  }
  for (const key of ["limitTrainBatches", "limitValBatches", "limitTestBatches", "limitPredictBatches"] as const) {
    const v = o[key];
    if (v != null && (v < 0 || (v > 1 && !Number.isInteger(v)))) {
      throw new MisconfigurationError(`\`${key}\`=${v} is not valid: it has to be in [0.0, 1.0] or an int.`);
    }
  }
  return o;
}
