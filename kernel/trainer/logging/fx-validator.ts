/**
 * Where `this.log` is allowed and its per-hook defaults (Lightning's `_FxValidator`). Validation is against the hook
 * currently running, so a callback hook follows the rules of the module hook of the same name.
 */
import { MisconfigurationError } from "../errors";

interface FxRule {
  defaultOnStep: boolean;
  defaultOnEpoch: boolean;
  allowedOnStep: readonly boolean[];
  allowedOnEpoch: readonly boolean[];
}

const STEP: FxRule = { defaultOnStep: true, defaultOnEpoch: false, allowedOnStep: [false, true], allowedOnEpoch: [false, true] };
const EPOCH_ONLY: FxRule = { defaultOnStep: false, defaultOnEpoch: true, allowedOnStep: [false], allowedOnEpoch: [true] };
const EVAL_STEP: FxRule = { defaultOnStep: false, defaultOnEpoch: true, allowedOnStep: [false, true], allowedOnEpoch: [false, true] };

const RULES: Record<string, FxRule | null> = {
  trainingStep: STEP, onTrainBatchStart: STEP, onTrainBatchEnd: STEP,
  onBeforeBackward: STEP, backward: STEP, onAfterBackward: STEP, onBeforeOptimizerStep: STEP, optimizerStep: STEP,
  configureGradientClipping: STEP, clipGradients: STEP, onBeforeZeroGrad: STEP, optimizerZeroGrad: STEP,
  onTrainStart: EPOCH_ONLY, onTrainEpochStart: EPOCH_ONLY, onTrainEpochEnd: EPOCH_ONLY,
  onValidationStart: EPOCH_ONLY, onValidationEpochStart: EPOCH_ONLY, onValidationEpochEnd: EPOCH_ONLY,
  onTestStart: EPOCH_ONLY, onTestEpochStart: EPOCH_ONLY, onTestEpochEnd: EPOCH_ONLY,
  validationStep: EVAL_STEP, onValidationBatchStart: EVAL_STEP, onValidationBatchEnd: EVAL_STEP,
  testStep: EVAL_STEP, onTestBatchStart: EVAL_STEP, onTestBatchEnd: EVAL_STEP,
};
const FORBIDDEN = [
  "onFitStart", "onFitEnd", "onSanityCheckStart", "onSanityCheckEnd", "onTrainEnd", "onValidationEnd", "onTestEnd",
  "setup", "teardown", "prepareData", "configureCallbacks", "configureModel", "configureOptimizers",
  "trainDataloader", "valDataloader", "testDataloader", "predictDataloader", "onBeforeBatchTransfer",
  "transferBatchToDevice", "onAfterBatchTransfer", "lrSchedulerStep", "onValidationModelZeroGrad",
  "onValidationModelEval", "onValidationModelTrain", "onTestModelEval", "onTestModelTrain", "onSaveCheckpoint",
  "onLoadCheckpoint", "stateDict", "loadStateDict", "onException", "predictStep", "onPredictStart", "onPredictEnd",
  "onPredictEpochStart", "onPredictEpochEnd", "onPredictBatchStart", "onPredictBatchEnd", "onBatchScalars", "onBatchImages",
];
for (const f of FORBIDDEN) RULES[f] = null;

/** Resolves `onStep`/`onEpoch` for `hook`, throwing Lightning's errors where logging is not allowed. */
export function resolveLogLevels(hook: string, onStep: boolean | undefined, onEpoch: boolean | undefined): { onStep: boolean; onEpoch: boolean } {
  if (!(hook in RULES)) {
    throw new Error(`Logging inside \`${hook}\` is not implemented. Log from trainingStep, validationStep or an epoch/batch hook.`);
  }
  const rule = RULES[hook];
  if (rule === null) {
    throw new MisconfigurationError(
      `You can't \`self.log()\` inside \`${hook}\` (this.log is not allowed in ${hook}). ` +
        `Log from trainingStep/validationStep, onTrainBatchEnd or onTrainEpochEnd instead.`,
    );
  }
  const step = onStep ?? rule.defaultOnStep;
  const epoch = onEpoch ?? rule.defaultOnEpoch;
  check(hook, "on_step", step, rule.allowedOnStep);
  check(hook, "on_epoch", epoch, rule.allowedOnEpoch);
  return { onStep: step, onEpoch: epoch };
}

function check(hook: string, flag: string, value: boolean, allowed: readonly boolean[]): void {
  if (!allowed.includes(value)) {
    const py = (b: boolean) => (b ? "True" : "False");
    throw new MisconfigurationError(
      `You can't \`self.log(${flag}=${py(value)})\` inside \`${hook}\`, must be one of (${allowed.map(py).join(", ")},). ` +
        `(this.log(name, value, {${flag === "on_step" ? "onStep" : "onEpoch"}: ${value}}) is not allowed in ${hook}.)`,
    );
  }
}
