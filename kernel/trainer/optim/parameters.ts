/**
 * Parameter discovery: the trainable `tf.Variable`s reachable from a module's own properties (LayersModels, layers,
 * variables, arrays/plain objects of those, child LightningModules), like `nn.Module.parameters()`.
 */
import * as tf from "@tensorflow/tfjs";
import { registeredVariableCount } from "../variable-registry";

/** Anything `params` may name in `configureOptimizers`. */
export type ParamSource = tf.LayersModel | tf.layers.Layer | tf.Variable | { parameters(): tf.Variable[] } | ParamSource[] | { [key: string]: ParamSource };

/** True for values that hold (or are) parameters. */
export function isParamSource(v: unknown): boolean {
  return v instanceof tf.Variable || v instanceof tf.LayersModel || v instanceof tf.layers.Layer ||
    (typeof v === "object" && v !== null && typeof (v as any).parameters === "function" && typeof (v as any).trainingStep === "function");
}

/**
 * `discover`, re-run only when it may answer differently: while it finds nothing (layers without an inputShape get
 * their weights on first call) or when tfjs's variable registry changed size (a variable was created or disposed).
 * Walking a module's properties allocates and reads every layer's weights, and the optimizers ask for their
 * variables several times per batch (backward, zeroGrad, step, clipping, toggling).
 */
export function cachedDiscovery(discover: () => tf.Variable[]): () => tf.Variable[] {
  let cached: tf.Variable[] = [];
  let registry = -1;
  return () => {
    const now = registeredVariableCount();
    if (cached.length === 0 || now !== registry) {
      cached = discover();
      registry = now;
    }
    return cached;
  };
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
