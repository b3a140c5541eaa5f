/**
 * Automatic optimization of one batch (Lightning §2.4): `optimizerStep(epoch, i, opt, closure)` whose closure runs
 * `trainingStep` under the gradient tape, the zero-grad hooks (first batch of an accumulation window), the backward
 * hooks, then `onBeforeOptimizerStep` and `configureGradientClipping`. Accumulating batches run only the closure part.
 */
import type * as tf from "@tensorflow/tfjs";
import { keep, div, variableGrads, TensorClass } from "../tf-handles";
import { MisconfigurationError } from "../errors";
import type { StepOutputs } from "../hooks";
import type { LightningOptimizer } from "../optim/lightning-optimizer";
import type { RunContext } from "./run-context";
import { automaticStepOutput, type AutomaticStep } from "./step-output";
import { andThen, isPromise, type MaybePromise } from "../maybe-async";
import { shareData } from "../shared-data";

const SKIP = Symbol("skip");

export interface AutomaticBatchInfo {
  epoch: number;
  batchIdx: number;
  accumulate: number;
  /** True when this batch only accumulates (no optimizer step). */
  accumulating: boolean;
  clipVal: number | null;
  clipAlgorithm: string | null;
  warnNone(): void;
}

/**
 * Runs one batch. Synchronous unless a hook is async (then the result is a promise): the closure is written with
 * `andThen` so an all-sync batch creates no promise at all.
 */
export function runAutomaticBatch(ctx: RunContext, batch: unknown, info: AutomaticBatchInfo): MaybePromise<{ outputs: StepOutputs; stepped: boolean }> {
  const opt = ctx.optimizers[0];
  const hooks = ctx.hooks;
  const module = ctx.module;
  const optional = ctx.optional;
  let outputs: StepOutputs = {};
  const closure = (): MaybePromise<tf.Scalar | undefined> => {
    const step = forwardBackward(ctx, opt, batch, info);
    const backward = (): MaybePromise<tf.Scalar | undefined> => {
      if (step === null) {
        info.warnNone();
        outputs = {};
        return undefined;
      }
      ctx.anomaly?.check("the backward of trainingStep's loss", step.loss, step.grads);
      return andThen(optional.onBeforeBackward ? hooks.both("onBeforeBackward", [step.loss]) : undefined, () =>
        andThen(optional.backward ? hooks.moduleHook("backward", [step.loss]) : undefined, () => {
          ctx.grads.accumulate(step.grads);
          return andThen(optional.onAfterBackward ? hooks.both("onAfterBackward", []) : undefined, () => {
            outputs = { loss: shareData(step.loss), ...step.extra };
            return step.loss;
          });
        }));
    };
    if (info.batchIdx % info.accumulate !== 0) return backward();
    return andThen(optional.onBeforeZeroGrad ? hooks.both("onBeforeZeroGrad", [opt]) : undefined, () =>
      andThen(optional.optimizerZeroGrad
        ? hooks.moduleHook("optimizerZeroGrad", [info.epoch, info.batchIdx, opt])
        : module.optimizerZeroGrad(info.epoch, info.batchIdx, opt), backward));
  };
  if (info.accumulating) return andThen(closure(), () => ({ outputs, stepped: false }));
  const wrapped = () => andThen(closure(), (loss) =>
    andThen(optional.onBeforeOptimizerStep ? hooks.both("onBeforeOptimizerStep", [opt]) : undefined, () =>
      andThen(optional.configureGradientClipping
        ? hooks.moduleHook("configureGradientClipping", [opt, info.clipVal, info.clipAlgorithm])
        : defaultClippingActs(module, info) ? module.configureGradientClipping(opt, info.clipVal, info.clipAlgorithm) : undefined,
      () => loss)));
  return andThen(optional.optimizerStep
    ? hooks.moduleHook("optimizerStep", [info.epoch, info.batchIdx, opt, wrapped])
    : module.optimizerStep(info.epoch, info.batchIdx, opt, wrapped), () =>
    andThen(hooks.settle(), () => ({ outputs, stepped: true })));
}

/**
 * LightningModule's own configureGradientClipping only passes the Trainer's values to clipGradients, which does nothing
 * without a clip value: skipped then, unless clipGradients was overridden (its three checks cost ~6 µs per batch while
 * V8 still interprets them, in a fit's first thousands of batches).
 */
function defaultClippingActs(module: RunContext["module"], info: AutomaticBatchInfo): boolean {
  return (info.clipVal !== null && info.clipVal > 0) || !module._keepsDefault("clipGradients");
}

interface ForwardResult {
  loss: tf.Scalar;
  grads: Record<string, tf.Tensor | null>;
  extra: Record<string, unknown>;
}

/** trainingStep under the tape; null when it returned nothing (the step is skipped). */
function forwardBackward(ctx: RunContext, opt: LightningOptimizer, batch: unknown, info: AutomaticBatchInfo): ForwardResult | null {
  const vars = opt.params().filter((v) => v.trainable);
  let parsed: AutomaticStep | null = null;
  const lossFn = () => {
    const out = ctx.hooks.moduleHookSync("trainingStep", [batch, info.batchIdx]);
    if (isPromise(out)) {
      throw new MisconfigurationError(
        "`trainingStep` returned a Promise, but in automatic optimization it runs inside TF.js's gradient tape and must be " +
          "synchronous. Remove `async` from trainingStep, or set this.automaticOptimization = false and call " +
          "this.manualBackward(() => loss) yourself.",
      );
    }
    parsed = automaticStepOutput(out);
    if (parsed.kind === "skip") throw SKIP;
    // Extra values are made inside the tape's tidy; keep them until the batch ends (released in ctx.endBatch).
    if (hasKeys(parsed.extra)) keepTensors(parsed.extra, ctx.batchOwned);
    return info.accumulate > 1 ? div(parsed.loss, info.accumulate) as tf.Scalar : parsed.loss;
  };
  if (vars.length === 0) {
    throw new MisconfigurationError("The optimizer has no trainable variables: check configureOptimizers params and variable.trainable flags.");
  }
  try {
    const { value, grads } = variableGrads(lossFn, vars);
    const p = parsed as unknown as { extra: Record<string, unknown> };
    return { loss: value, grads, extra: p.extra };
  } catch (e) {
    if (e === SKIP) return null;
    if (String((e as Error)?.message).startsWith("Cannot find a connection")) {
      throw new MisconfigurationError(
        "The loss returned by `trainingStep` does not depend on any trainable variable of the optimizer. " +
          "Compute it from the model's outputs inside trainingStep.",
      );
    }
    throw e;
  }
}

function keepTensors(v: unknown, owned: tf.Tensor[], seen = new Set<unknown>()): void {
  if (v instanceof TensorClass) {
    owned.push(keep(v));
    return;
  }
  if (typeof v !== "object" || v === null || seen.has(v)) return;
  seen.add(v);
  for (const item of Array.isArray(v) ? v : Object.values(v)) keepTensors(item, owned, seen);
}

/** Whether `o` has an enumerable key, without making a key array (a bare loss gives `{}` extras every batch). */
function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
