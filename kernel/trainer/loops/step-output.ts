/**
 * The one place that turns what `trainingStep` returned into the `outputs` dict the batch-end hooks receive
 * (Lightning's `ManualResult.from_training_step_output` / `ClosureResult.from_training_step_output`).
 */
import type * as tf from "@tensorflow/tfjs";
import { TensorClass } from "../tf-handles";
import { MisconfigurationError, describeValue } from "../errors";
import type { StepOutputs } from "../hooks";

function isDict(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof TensorClass) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || v instanceof Map;
}

function asRecord(v: Record<string, unknown> | Map<string, unknown>): Record<string, unknown> {
  return v instanceof Map ? Object.fromEntries(v) : { ...v };
}

function requireTensorLoss(loss: unknown, mode: string): void {
  if (!(loss instanceof TensorClass)) {
    throw new MisconfigurationError(
      `In ${mode} optimization, \`trainingStep\` returned {loss: ${describeValue(loss)}}; "loss" must be a tf.Tensor ` +
        `(a scalar), not a plain number. Return the loss tensor itself, e.g. { loss: lossTensor }, ` +
        `or put plain numbers under another key.`,
    );
  }
}

/**
 * Manual mode: `undefined` → `{}`; a tensor `T` → `{loss: T}`; a dict → a shallow copy (`loss` optional);
 * anything else is an error. Nothing here affects optimization.
 */
export function manualStepOutput(value: unknown): StepOutputs {
  if (value === undefined || value === null) return {};
  if (value instanceof TensorClass) return { loss: value };
  if (isDict(value)) {
    const out = asRecord(value);
    if ("loss" in out) requireTensorLoss(out.loss, "manual");
    return out;
  }
  throw new MisconfigurationError(
    `In manual optimization, \`trainingStep\` must either return a Tensor or have no return; a dict with any keys ` +
      `("loss" optional) is also accepted. It returned ${describeValue(value)}. ` +
      `Return nothing, the loss tensor, or an object such as { loss, acc }.`,
  );
}

/** Automatic mode, before normalization by `accumulateGradBatches`: returns the loss tensor and the extra keys. */
export type AutomaticStep =
  | { kind: "skip" }
  | { kind: "loss"; loss: tf.Scalar; extra: Record<string, unknown> };

export function automaticStepOutput(value: unknown): AutomaticStep {
  if (value === undefined || value === null) return { kind: "skip" };
  if (value instanceof TensorClass) return { kind: "loss", loss: checkScalar(value), extra: {} };
  if (isDict(value)) {
    const rec = asRecord(value);
    if (rec.loss === undefined || rec.loss === null) {
      throw new MisconfigurationError(
        `In automatic optimization, \`trainingStep\` must return a Tensor or a dict with a "loss" key; ` +
          `the 'loss' key needs to be present (got keys: ${Object.keys(rec).map((k) => `"${k}"`).join(", ") || "none"}). ` +
          `Return { loss, ...others }, or set this.automaticOptimization = false to return anything.`,
      );
    }
    requireTensorLoss(rec.loss, "automatic");
    const { loss, ...extra } = rec;
    return { kind: "loss", loss: checkScalar(loss as tf.Tensor), extra };
  }
  throw new MisconfigurationError(
    `In automatic optimization, \`trainingStep\` must return a Tensor, a dict, or None (undefined); ` +
      `it returned ${describeValue(value)}. Return the loss tensor or { loss, ...others }.`,
  );
}

function checkScalar(t: tf.Tensor): tf.Scalar {
  if (t.size !== 1) {
    throw new MisconfigurationError(
      `\`trainingStep\` returned a loss of shape [${t.shape.join(", ")}]; the loss must be a scalar. Reduce it, e.g. tf.mean(losses).`,
    );
  }
  return (t.rank === 0 ? t : t.reshape([])) as tf.Scalar;
}
