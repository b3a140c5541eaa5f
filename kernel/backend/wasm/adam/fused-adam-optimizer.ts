/**
 * Routes `tf.train.adam`'s update through the fused kernel while the wasm tuning layer is installed and wasm is the
 * active backend; on any other backend the original method runs. The optimizer's own state (accBeta1/2, the m and v
 * slot variables and their names, iterations) is kept exactly as tfjs keeps it, so getWeights/setWeights,
 * checkpoints and a later switch back to the original method see no difference.
 */
import * as tf from "@tensorflow/tfjs";
import { FUSED_ADAM } from "./fused-adam-kernel";

type NamedGradients = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[];
type Slot = { originalName: string; variable: tf.Variable };
// tfjs keeps these protected; the fused path must read and update the same fields.
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  incrementIterations(): void;
}

const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients(this: unknown, g: NamedGradients): void };
let original: ((this: unknown, g: NamedGradients) => void) | null = null;

export function isFusedAdamInstalled(): boolean {
  return original !== null;
}

export function installFusedAdam(): void {
  if (original) return;
  const shipped = proto.applyGradients;
  original = shipped;
  proto.applyGradients = function (this: unknown, grads: NamedGradients) {
    if (tf.getBackend() !== "wasm" || tf.getKernel(FUSED_ADAM, "wasm") == null) return shipped.call(this, grads);
    fusedApplyGradients(this as AdamInternals, grads);
  };
}

export function uninstallFusedAdam(): void {
  if (!original) return;
  proto.applyGradients = original;
  original = null;
}

function fusedApplyGradients(opt: AdamInternals, grads: NamedGradients): void {
  const names = Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads);
  tf.tidy(() => {
    const c1 = tf.sub(1, opt.accBeta1);
    const c2 = tf.sub(1, opt.accBeta2);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      // Slots are created for every listed variable, with or without a gradient (as tfjs does: slot i = variable i).
      opt.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      opt.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = Array.isArray(grads) ? grads[i].tensor : grads[name];
      if (gradient == null) return;
      const m = opt.accumulatedFirstMoment[i].variable;
      const v = opt.accumulatedSecondMoment[i].variable;
      const [newValue, newM, newV] = tf.engine().runKernel(
        FUSED_ADAM,
        { value, gradient, m, v, c1, c2 } as unknown as tf.NamedTensorMap,
        { beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon, learningRate: opt.learningRate } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      m.assign(newM);
      v.assign(newV);
      value.assign(newValue);
    });
    opt.accBeta1.assign(tf.mul(opt.accBeta1, opt.beta1));
    opt.accBeta2.assign(tf.mul(opt.accBeta2, opt.beta2));
  });
  opt.incrementIterations();
}
