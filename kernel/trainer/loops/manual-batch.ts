/** Manual optimization of one batch: run `trainingStep` with step counting on; Lightning never backpropagates its return. */
import type { StepOutputs } from "../hooks";
import type { RunContext } from "./run-context";
import { manualStepOutput } from "./step-output";

export async function runManualBatch(ctx: RunContext, batch: unknown, batchIdx: number): Promise<StepOutputs> {
  ctx.countingSteps = true;
  let out: unknown;
  try {
    out = await ctx.hooks.moduleHook("trainingStep", [batch, batchIdx]);
    await ctx.hooks.settle();
  } finally {
    ctx.countingSteps = false;
  }
  return manualStepOutput(out);
}
