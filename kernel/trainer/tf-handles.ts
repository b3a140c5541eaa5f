/**
 * The tfjs functions (and the Tensor class) that run on every batch, read from the namespace once. Compiled with
 * esModuleInterop, `import * as tf` is an object of ~500 getters that each forward to tfjs's own re-export getter:
 * every `tf.keep(t)` is two getter calls and two lookups by a varying key (~50 ns warm against ~1 ns for a module
 * constant), and far more on the caches a batch's kernels have just evicted. On the benchmark MLP's step, reading
 * them here took the trainer's `log` call from 5.0 to 2.0 µs and its other per-batch pieces by ~3 µs more.
 * Types still come from `tf.*`; code that runs once per fit keeps using the namespace.
 */
import * as tf from "@tensorflow/tfjs";

export const engine = tf.engine;
export const memory = tf.memory;
export const keep = tf.keep;
export const tidy = tf.tidy;
export const add = tf.add;
export const div = tf.div;
export const variableGrads = tf.variableGrads;
/** For `instanceof` checks (the type is `tf.Tensor`). */
export const TensorClass = tf.Tensor;
