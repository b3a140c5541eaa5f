/** Manual optimization of one batch: run `trainingStep` with step counting on; Lightning never backpropagates its return. */
import type { StepOutputs } from "../hooks";
import type { RunContext } from "./run-context";
import { manualStepOutput } from "./step-output";
import { andThen, isPromise, type MaybePromise } from "../maybe-async";

/** Synchronous when `trainingStep` and the hooks it fired are: no promise and no microtask per batch then. */
export function runManualBatch(ctx: RunContext, batch: unknown, batchIdx: number): MaybePromise<StepOutputs> {
  ctx.countingSteps = true;
  const stopCounting = () => {
    ctx.countingSteps = false;
  };
  let result: MaybePromise<StepOutputs>;
  try {
    result = andThen(ctx.hooks.moduleHook("trainingStep", [batch, batchIdx]), (value) =>
      andThen(ctx.hooks.settle(), () => manualStepOutput(value)));
  } catch (e) {
    stopCounting();
    throw e;
  }
  if (!isPromise(result)) {
    stopCounting();
    return result;
  }
  return result.finally(stopCounting);
}
