/**
 * Parameter discovery: the trainable `tf.Variable`s reachable from a module's own properties (LayersModels, layers,
 * variables, arrays/plain objects of those, child LightningModules), like `nn.Module.parameters()`.
 */
import * as tf from "@tensorflow/tfjs";

/** Anything `params` may name in `configureOptimizers`. */
export type ParamSource = tf.LayersModel | tf.layers.Layer | tf.Variable | { parameters(): tf.Variable[] } | ParamSource[] | { [key: string]: ParamSource };

/** True for values that hold (or are) parameters. */
export function isParamSource(v: unknown): boolean {
  return v instanceof tf.Variable || v instanceof tf.LayersModel || v instanceof tf.layers.Layer ||
    (typeof v === "object" && v !== null && typeof (v as any).parameters === "function" && typeof (v as any).trainingStep === "function");
}

/** All variables (trainable or not) under `source`, in discovery order, without duplicates. */
export function collectVariables(source: unknown, out: tf.Variable[] = [], seen = new Set<unknown>()): tf.Variable[] {
  if (source === null || typeof source !== "object" || seen.has(source)) return out;
  seen.add(source);
  if (source instanceof tf.Variable) {
    if (!out.includes(source)) out.push(source);
  } else if (source instanceof tf.LayersModel || source instanceof tf.layers.Layer) {
    for (const w of (source as tf.layers.Layer).weights) {
      const v = w.read() as tf.Variable;
      if (!out.includes(v)) out.push(v);
    }
  } else if (typeof (source as any).ownVariables === "function") {
    for (const v of (source as any).ownVariables() as tf.Variable[]) if (!out.includes(v)) out.push(v);
  } else if (Array.isArray(source)) {
    for (const item of source) collectVariables(item, out, seen);
  } else if (isPlainObject(source)) {
    for (const value of Object.values(source)) collectVariables(value, out, seen);
  }
  return out;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
