/** Gradient clipping on the buffered gradients (Lightning's `clip_gradients`; torch `clip_grad_value_`/`clip_grad_norm_`). */
import * as tf from "@tensorflow/tfjs";
import { MisconfigurationError, describeValue } from "../errors";
import type { GradientStore } from "./gradient-store";
import type { LightningOptimizer } from "./lightning-optimizer";

export interface ClipOptions {
  gradientClipVal?: number | null;
  gradientClipAlgorithm?: "norm" | "value" | string | null;
}

export function clipGradients(
  host: { grads: GradientStore },
  opt: LightningOptimizer,
  opts: ClipOptions,
  trainerVal: number | null | undefined,
  trainerAlgo: string | null | undefined,
): void {
  let val = opts.gradientClipVal;
  if (val !== undefined && val !== null && typeof val !== "number") {
    throw new TypeError(`\`gradient_clip_val\` should be an int or a float. Got ${describeValue(val)}; pass e.g. { gradientClipVal: 1.0 }.`);
  }
  if (trainerVal != null && val != null && val !== trainerVal) {
    throw new MisconfigurationError(
      `You have set \`Trainer(gradient_clip_val=${trainerVal})\` and have passed \`clip_gradients(gradient_clip_val=${val})\`. ` +
        "Please use only one of them (the Trainer option gradientClipVal or the clipGradients argument).",
    );
  }
  val = val ?? trainerVal ?? 0;
  let algo = opts.gradientClipAlgorithm != null ? String(opts.gradientClipAlgorithm).toLowerCase() : null;
  if (trainerAlgo != null && algo != null && algo !== trainerAlgo) {
    throw new MisconfigurationError(
      `You have set \`Trainer(gradient_clip_algorithm='${trainerAlgo}')\` and have passed \`clip_gradients(gradient_clip_algorithm='${algo}')\`. Please use only one of them.`,
    );
  }
  algo = algo ?? trainerAlgo ?? "norm";
  if (algo !== "value" && algo !== "norm") {
    throw new MisconfigurationError(
      `\`gradient_clip_algorithm\` ${JSON.stringify(algo)} is invalid. Allowed algorithms: ['value', 'norm'].`,
    );
  }
  if (val <= 0) return;
  const entries = opt.params().map((v) => [v, host.grads.get(v)] as const).filter(([, g]) => g !== undefined) as [tf.Variable, tf.Tensor][];
  if (entries.length === 0) return;
  const limit = val;
  if (algo === "value") {
    for (const [v, g] of entries) host.grads.set(v, tf.tidy(() => tf.clipByValue(g, -limit, limit)));
    return;
  }
  // Global L2 norm over this optimizer's gradients, scaled by min(1, v / (norm + 1e-6)) — no device readback.
  const clipped = tf.tidy(() => {
    const sq = tf.addN(entries.map(([, g]) => tf.sum(tf.square(g))));
    const coef = tf.minimum(tf.div(limit, tf.add(tf.sqrt(sq), 1e-6)), 1);
    return entries.map(([, g]) => tf.mul(g, coef));
  });
  entries.forEach(([v], i) => host.grads.set(v, clipped[i]));
}
