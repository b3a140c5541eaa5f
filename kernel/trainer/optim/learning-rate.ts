/** Reading and writing a tf.Optimizer's learning rate (SGD caches it in a tensor, so it needs `setLearningRate`). */
import type * as tf from "@tensorflow/tfjs";

export function getLearningRate(opt: tf.Optimizer): number {
  const lr = (opt as any).learningRate;
  if (typeof lr !== "number") throw new TypeError(`${opt.getClassName()} has no numeric learningRate`);
  return lr;
}

export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  if (typeof lr !== "number" || !Number.isFinite(lr)) {
    throw new TypeError(`learning rate must be a finite number, got ${String(lr)}`);
  }
  const anyOpt = opt as any;
  if (typeof anyOpt.setLearningRate === "function") anyOpt.setLearningRate(lr);
  else anyOpt.learningRate = lr;
}
